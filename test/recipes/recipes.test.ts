/**
 * Recipes as data: templates and their filters, `when` conditions, the RECIPES document and its configuration
 * errors, and each signature scheme against the vectors of ../shared/webhooks/VECTORS.md and
 * ../shared/twilio/FACTS.md.
 */
import { describe, expect, it } from 'vitest';
import { readRecipes } from '../../src/recipes/document';
import { compile, matches, render, type Scope, type Template } from '../../src/recipes/template';
import { type Signed, TOLERANCE_S, verifySignature } from '../../src/recipes/verify';
import { githubDeployment, hook, RECIPES, SECRETS, shopifySignature, stripeInvoiceFailed } from './fixtures';

const scope = (payload: unknown, headers: Record<string, string> = {}): Scope => ({
  payload,
  headers: new Headers(headers),
});
const compiled = (text: string) => {
  const template = compile(text);
  if (typeof template === 'string') throw new Error(template);
  return template as Template;
};
const fill = (text: string, payload: unknown, headers: Record<string, string> = {}, xml = false) => {
  const missing = new Set<string>();
  return { text: render(compiled(text), scope(payload, headers), missing, xml), missing: [...missing] };
};

describe('templates', () => {
  it('read paths into the payload (objects and list indexes) and headers', () => {
    expect(fill('Deploy of {{repository.name}} to {{deployment.environment}}', githubDeployment).text).toBe(
      'Deploy of Hello-World to production',
    );
    expect(fill('{{ a.0.b }}', { a: [{ b: 7 }] }).text).toBe('7');
    expect(fill('{{header:X-GitHub-Event}}!', {}, { 'x-github-event': 'deployment' }).text).toBe('deployment!');
    expect(fill('{{flag}} {{obj}}', { flag: false, obj: { x: 1 } }).text).toBe('false {"x":1}');
  });

  it('a missing path (absent, null, or through a non-object) renders empty and is reported', () => {
    const { text, missing } = fill('[{{a.b}}][{{n}}][{{s.length}}][{{header:x-none}}]', { n: null, s: 'abc' });
    expect(text).toBe('[][][][]');
    expect(missing).toEqual(['a.b', 'n', 's.length', 'header:x-none']);
  });

  it('reads own properties only: no prototype, no constructor', () => {
    const { text, missing } = fill('{{constructor.name}}{{__proto__}}{{toString}}', JSON.parse('{"a":1}'));
    expect(text).toBe('');
    expect(missing).toHaveLength(3);
  });

  it('filters: default, upper, lower, money, truncate, chained', () => {
    expect(fill('Hi {{name | default:"there"}}', {}).text).toBe('Hi there');
    expect(fill('Hi {{name | default:"there"}}', {}).missing).toEqual([]);
    expect(fill('Hi {{name|default:"there"}}', { name: 'Ana' }).text).toBe('Hi Ana');
    expect(fill('{{c | upper}} {{c | lower}}', { c: 'UsD' }).text).toBe('USD usd');
    expect(
      fill('{{a | money}} {{b | money}} {{c | money:0}} {{d | money}}', { a: 4900, b: '5', c: 1200, d: 'n/a' }).text,
    ).toBe('49.00 0.05 1200 n/a');
    // Past 1e21 toFixed would write an exponent: such a number passes as it is.
    expect(fill('{{a | money}} {{b | money}} {{c | money}}', { a: 123456789012, b: '1e21', c: 1e22 }).text).toBe(
      '1234567890.12 1e21 1e+22',
    );
    expect(fill('{{t | truncate:5}}|{{u | truncate:5}}', { t: 'abcdefgh', u: 'abcde' }).text).toBe('abcd…|abcde');
    expect(fill('{{e | truncate:3}}', { e: '😀😀😀😀' }).text).toBe('😀😀…');
    expect(fill('{{n | default:"anon" | upper | truncate:3}}', {}).text).toBe('AN…');
  });

  it('XML escaping of the values read, for twiml (the recipe’s own markup stays)', () => {
    const name = `x</Say><Dial>+19005550100</Dial><Say a="1" b='2'>&`;
    expect(fill('<Say>{{name}}</Say>', { name }, {}, true).text).toBe(
      '<Say>x&lt;/Say&gt;&lt;Dial&gt;+19005550100&lt;/Dial&gt;&lt;Say a=&quot;1&quot; b=&apos;2&apos;&gt;&amp;</Say>',
    );
  });

  it('are data: what looks like code is a path, never run', () => {
    expect(fill('{{process.env}}{{this}}{{a;b}}', {}).text).toBe('');
    expect(compile('{{ 1 + 1 }}')).toMatch(/cannot read/);
    expect(compile('{{ a | eval:"x" }}')).toBe('bad filter eval');
  });

  it('refuses unknown filters, wrong arguments and unclosed braces at compile time', () => {
    expect(compile('{{a | reverse}}')).toBe('bad filter reverse');
    expect(compile('{{a | truncate}}')).toBe('bad filter truncate');
    expect(compile('{{a | truncate:0}}')).toBe('bad filter truncate');
    expect(compile('{{a | upper:"x"}}')).toBe('bad filter upper');
    expect(compile('{{a | money:9}}')).toBe('bad filter money');
    expect(compile('Hi {{name')).toBe('a {{ is not closed');
    expect(compile('{{}}')).toMatch(/cannot read/);
    expect(compile('plain text')).toEqual(['plain text']);
  });
});

describe('when', () => {
  const stripe = scope(stripeInvoiceFailed, { 'x-env': 'live' });
  it('every condition must hold: a value, one of a list, a header, numbers and booleans as text', () => {
    expect(matches({ type: 'invoice.payment_failed' }, stripe)).toBe(true);
    expect(matches({ type: ['charge.failed', 'invoice.payment_failed'] }, stripe)).toBe(true);
    expect(matches({ 'header:x-env': 'live', livemode: false, 'data.object.attempt_count': 2 }, stripe)).toBe(true);
    expect(matches({ type: 'invoice.payment_failed', livemode: true }, stripe)).toBe(false);
    expect(matches({ type: 'invoice.paid' }, stripe)).toBe(false);
    expect(matches({ 'data.object': '[object Object]' }, stripe)).toBe(false);
    expect(matches({ missing: 'undefined' }, stripe)).toBe(false);
  });
});

describe('the RECIPES document', () => {
  const env = (recipes: unknown, more: Record<string, string> = {}) => ({
    RECIPES: typeof recipes === 'string' ? recipes : JSON.stringify(recipes),
    ...SECRETS,
    ...more,
  });
  const refusal = (recipes: unknown, more: Record<string, string> = {}) => {
    try {
      readRecipes(env(recipes, more));
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };
  const sms = { block: 'sendSms', fields: { from: '+15005550006', to: '{{to}}', body: 'hi' } };

  it('decodes the README recipes once per env, templates compiled', () => {
    const vars = env(RECIPES);
    const recipes = readRecipes(vars);
    expect([...recipes.byName.keys()]).toEqual(Object.keys(RECIPES));
    expect(recipes.byName.get('github-deploy')?.block.name).toBe('makeCall');
    expect(recipes.async).toBe(false);
    expect(readRecipes(vars)).toBe(recipes);
    expect(readRecipes({ ...vars, HOOKS_ASYNC: 'true' }).async).toBe(true);
    expect(readRecipes({}).byName.size).toBe(0);
    // A JSON var (an object in wrangler.toml) is taken as it is.
    expect(readRecipes({ RECIPES: { one: sms } }).byName.has('one')).toBe(true);
  });

  it('a broken recipe is a configuration error naming it, and what is wrong', () => {
    expect(refusal({ fax: { ...sms, block: 'sendFax' } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe fax: block sendFax is unknown',
    );
    expect(refusal({ x: { ...sms, verify: { scheme: 'mailgun', secret: 'GH_HOOK_SECRET' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: scheme mailgun is unknown',
    );
    expect(refusal({ x: { ...sms, fields: { ...sms.fields, statusCallBack: 'https://x.test' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: sendSms has no field statusCallBack',
    );
    expect(refusal({ x: { ...sms, verify: { scheme: 'github', secret: 'NOT_SET_ANYWHERE' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: secret NOT_SET_ANYWHERE is not set',
    );
    expect(refusal({ x: { ...sms, fields: { ...sms.fields, body: '{{a | shout}}' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: body: bad filter shout',
    );
    expect(refusal({ x: { ...sms, wehn: { type: 'a' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: wehn is not allowed',
    );
    expect(refusal({ x: { ...sms, verify: { scheme: 'standard', secret: 'PLAIN_HOOK_TOKEN' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: secret PLAIN_HOOK_TOKEN is not whsec_ + base64',
    );
    expect(refusal({ x: { block: 'sendSms' } })).toMatch(
      'Gateway configuration error: invalid RECIPES: x.fields is missing',
    );
    expect(refusal({ x: { ...sms, when: { type: { nested: 1 } } } })).toMatch(
      /^Gateway configuration error: invalid RECIPES: x\.when\.type must be/,
    );
    expect(refusal({ 'bad name': sms })).toMatch(/^Gateway configuration error: invalid RECIPES: bad name must be/);
    expect(refusal('{"x": ')).toBe('Gateway configuration error: invalid RECIPES: not JSON');
    expect(refusal('"sendSms"')).toBe('Gateway configuration error: invalid RECIPES: it must be Object');
    expect(refusal(sms, { HOOKS_ASYNC: 'yes' })).toBe('Gateway configuration error: invalid HOOKS_ASYNC');
  });

  it('a key valibot’s record drops silently (__proto__, constructor, prototype) is refused, naming the recipe', () => {
    const sms = '"block":"sendSms","fields":{"from":"+15005550006","to":"+14155550100","body":"b"}';
    for (const key of ['constructor', 'prototype', '__proto__']) {
      // A `when` condition that vanished would let every event through.
      expect(refusal(`{"q":{${sms},"when":{"${key}":"x","type":"a"}}}`)).toBe(
        `Gateway configuration error: invalid RECIPES: recipe q: ${key} is not allowed`,
      );
      expect(
        refusal(`{"q":{"block":"sendSms","fields":{"${key}":"x","from":"+15005550006","to":"+1415","body":"b"}}}`),
      ).toBe(`Gateway configuration error: invalid RECIPES: recipe q: ${key} is not allowed`);
      expect(refusal(`{"${key}":{${sms}},"ok":{${sms}}}`)).toBe(
        `Gateway configuration error: invalid RECIPES: recipe ${key}: the name is not allowed`,
      );
    }
  });

  it('a signed recipe’s eventId may not read a header: the signature does not cover it', () => {
    const github = { ...sms, verify: { scheme: 'github', secret: 'GH_HOOK_SECRET' } };
    expect(refusal({ x: { ...github, eventId: '{{ header:x-github-delivery }}' } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: eventId may not read a header',
    );
    expect(refusal({ x: { ...github, eventId: '{{deployment.id}}' } })).toBe('accepted');
    // The header scheme's secret covers the whole request; without verify, the caller key does.
    const plain = { ...sms, verify: { scheme: 'header', secret: 'PLAIN_HOOK_TOKEN' } };
    expect(refusal({ x: { ...plain, eventId: '{{header:x-id}}' }, y: { ...sms, eventId: '{{header:x-id}}' } })).toBe(
      'accepted',
    );
  });

  it('verify.header is for the header scheme only; the header scheme’s secret has at least 16 characters', () => {
    expect(refusal({ x: { ...sms, verify: { scheme: 'github', secret: 'GH_HOOK_SECRET', header: 'x-token' } } })).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: verify.header is for the header scheme only',
    );
    expect(
      refusal({ x: { ...sms, verify: { scheme: 'header', secret: 'SHORT' } } }, { SHORT: 'fifteen-chars-1' }),
    ).toBe('Gateway configuration error: invalid RECIPES: recipe x: secret SHORT is shorter than 16 characters');
    expect(
      refusal(
        { x: { ...sms, verify: { scheme: 'header', secret: 'OK', header: 'x-token' } } },
        { OK: 'sixteen-chars-16' },
      ),
    ).toBe('accepted');
  });

  it('never shows a value: not a secret’s, not a field’s', () => {
    const secretValue = 'a-literal-token-in-the-recipe-0001';
    const message = refusal({
      x: { ...sms, block: 'nope', fields: { ...sms.fields, accountToken: secretValue, bodyy: secretValue } },
    });
    expect(message).toContain('recipe x');
    expect(message).not.toContain(secretValue);
    for (const value of Object.values(SECRETS)) expect(message).not.toContain(value);
  });

  it('through the app: a recipe naming an unknown block is a 500 in the envelope, naming it', async () => {
    const answer = await hook(
      'anything',
      '{}',
      {},
      { env: { RECIPES: JSON.stringify({ fax: { ...sms, block: 'sendFax' } }) } },
    );
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({
      callback: 'error',
      contextWrites: { to: 'Gateway configuration error: invalid RECIPES: recipe fax: block sendFax is unknown' },
      error: {
        status: 500,
        code: null,
        moreInfo: null,
        retryable: false,
        source: 'gateway',
        hint: expect.stringMatching(/^RECIPES: a JSON object from recipe name to recipe/),
      },
    });
  });
});

describe('signature schemes: the published vectors', () => {
  const signed = (body: string, headers: Record<string, string>, url = 'https://gateway.test/hooks/x'): Signed => ({
    body: new TextEncoder().encode(body),
    headers: new Headers(headers),
    url,
  });

  it('github: the vector of GitHub’s documentation; tampered body, wrong secret, bare hex refused', async () => {
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const secret = "It's a Secret to Everybody";
    const ok = (body: string, header: string, key = secret) =>
      verifySignature('github', key, signed(body, { 'X-Hub-Signature-256': header }));
    expect(await ok('Hello, World!', sig)).toBe(true);
    expect(await ok('Hello, World?', sig)).toBe(false);
    expect(await ok('Hello, World!', sig, 'another secret')).toBe(false);
    expect(await ok('Hello, World!', sig.slice(7))).toBe(false);
    expect(await ok('Hello, World!', '')).toBe(false);
  });

  it('stripe: stripe-node’s vector at its time; any v1 may match; stale, future and tampered refused', async () => {
    const body = '{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}';
    const v1 = 'b5d16909735dfcdc338e1f1e170cbb5d2ea57494fe5f638399aebcce132ec538';
    const t = 1700000000;
    const ok = (header: string, at: number, text = body) =>
      verifySignature('stripe', 'whsec_test', signed(text, { 'Stripe-Signature': header }), '', at * 1000);
    expect(await ok(`t=${t},v1=${v1}`, t)).toBe(true);
    expect(await ok(`t=${t},v0=abc,v1=${'0'.repeat(64)},v1=${v1}`, t + 10)).toBe(true);
    expect(await ok(`t=${t},v1=${v1}`, t + TOLERANCE_S)).toBe(true);
    expect(await ok(`t=${t},v1=${v1}`, t + TOLERANCE_S + 1)).toBe(false);
    expect(await ok(`t=${t},v1=${v1}`, t - TOLERANCE_S - 1)).toBe(false);
    expect(await ok(`t=${t},v1=${v1}`, t, body.replace('evt_1', 'evt_2'))).toBe(false);
    expect(await ok(`t=${t + 1},v1=${v1}`, t)).toBe(false);
    expect(await ok(`v1=${v1}`, t)).toBe(false);
  });

  it('standard webhooks: the library’s vector; stale and tampered refused', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    const headers = (id: string, signature: string) => ({
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': signature,
    });
    const sig = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    const ok = (h: Record<string, string>, at = 1614265330, text = body) =>
      verifySignature('standard', secret, signed(text, h), '', at * 1000);
    expect(await ok(headers('msg_p5jXN8AQM9LWM0D4loKWxJek', sig))).toBe(true);
    expect(await ok(headers('msg_p5jXN8AQM9LWM0D4loKWxJek', `v1,bm9wZQ== ${sig}`))).toBe(true);
    expect(await ok(headers('msg_p5jXN8AQM9LWM0D4loKWxJek', sig), 1614265330 + 301)).toBe(false);
    expect(await ok(headers('msg_other', sig))).toBe(false);
    expect(await ok(headers('msg_p5jXN8AQM9LWM0D4loKWxJek', sig), 1614265330, '{"test": 2432232315}')).toBe(false);
    expect(await ok(headers('msg_p5jXN8AQM9LWM0D4loKWxJek', sig.replace('v1,', 'v2,')))).toBe(false);
  });

  it('shopify: a vector computed from the algorithm (base64 HMAC-SHA256 of the body); tampered refused', async () => {
    const body = '{"id":820982911946154500,"name":"#1001"}';
    const sig = await shopifySignature(body, 'hush');
    expect(sig).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const ok = (text: string, header: string) =>
      verifySignature('shopify', 'hush', signed(text, { 'X-Shopify-Hmac-Sha256': header }));
    expect(await ok(body, sig)).toBe(true);
    expect(await ok(`${body} `, sig)).toBe(false);
    expect(await ok(body, sig.toLowerCase())).toBe(false);
  });

  it('twilio: FACTS.md’s form and JSON vectors, through src/twilio/signature.ts', async () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const form = new URLSearchParams({
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    });
    const formSigned = (signature: string, params = form): Signed => ({
      ...signed(params.toString(), { 'X-Twilio-Signature': signature }, url),
      form: params,
    });
    expect(await verifySignature('twilio', '12345', formSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(true);
    const tampered = new URLSearchParams(form);
    tampered.set('Digits', '1235');
    expect(await verifySignature('twilio', '12345', formSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8=', tampered))).toBe(false);

    const json = '{"property": "value", "boolean": true}';
    const sha = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
    const jsonUrl = `${url}&bodySHA256=${sha}`;
    const jsonSigned = (text: string) =>
      signed(text, { 'X-Twilio-Signature': 'a9nBmqA0ju/hNViExpshrM61xv4=' }, jsonUrl);
    expect(await verifySignature('twilio', '12345', jsonSigned(json))).toBe(true);
    expect(await verifySignature('twilio', '12345', jsonSigned(json.replace('value', 'other')))).toBe(false);
  });

  it('header: the named header must be the secret, exactly', async () => {
    const ok = (headers: Record<string, string>) =>
      verifySignature('header', 'shh-123', signed('{}', headers), 'x-token');
    expect(await ok({ 'x-token': 'shh-123' })).toBe(true);
    expect(await ok({ 'x-token': 'shh-12' })).toBe(false);
    expect(await ok({ 'x-token': 'shh-1234' })).toBe(false);
    expect(await ok({ 'x-other': 'shh-123' })).toBe(false);
  });
});
