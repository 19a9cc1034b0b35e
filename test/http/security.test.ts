/**
 * Safe to expose: caller keys (fail closed), rate limits, the destination guard, body limits, CORS and
 * secure headers. Every refusal is an envelope with the gateway's own string and `source: "gateway"`, and
 * Twilio is not called.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { installFakeTwilio } from '../fake-twilio';
import { ACCOUNT, envWith, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const KEY = 'caller-key-0123456789abcdef';
const OTHER_KEY = 'caller-key-fedcba9876543210';
/** The sendSms of a caller that relies on the Worker's stored credentials. */
const STORED = { from: '+15005550006', to: '+14155550100', body: 'hi' };
/** The same, spending the caller's own account. */
const OWN = { ...STORED, accountSid: ACCOUNT, accountToken: TOKEN };

const sha256 = async (text: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

interface Ask {
  /** Use the deployed limit (100 per 60 s) instead of the suite's generous one. */
  strict?: boolean;
  body?: unknown;
  headers?: Record<string, string>;
  env?: Record<string, string>;
  path?: string;
  method?: string;
  raw?: BodyInit;
}

/** One request through the real app, JSON by default. */
async function ask({
  body = STORED,
  headers = {},
  env = {},
  path = '/api/Twilio/sendSms',
  method = 'POST',
  raw,
  strict = false,
}: Ask) {
  const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', ...headers } };
  if (method !== 'GET' && method !== 'OPTIONS') init.body = raw ?? JSON.stringify(body);
  const bindings = envWith(env);
  // STRICT_LIMITER exists in the test config only (vitest.config.ts), with wrangler.toml's limit.
  const strictLimiter = (bindings as Env & { STRICT_LIMITER: RateLimit }).STRICT_LIMITER;
  const res = await app.request(path, init, strict ? { ...bindings, RATE_LIMITER: strictLimiter } : bindings);
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a preflight's empty body).
  }
  return { status: res.status, json, res, text };
}

/** Asserts a refusal of the gateway's own: status, string, source, and no call to Twilio. */
function expectRefused(answer: Awaited<ReturnType<typeof ask>>, status: number, why: string | RegExp) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.json.callback).toBe('error');
  const text = answer.json.contextWrites.to as string;
  expect(text.startsWith(`[HTTP ${status}] Refused by the gateway: `), text).toBe(true);
  if (typeof why === 'string') expect(text).toContain(why);
  else expect(text).toMatch(why);
  expect(answer.json.error).toMatchObject({ status, code: null, source: 'gateway' });
}

describe('caller keys: fail closed', () => {
  it('no key, stored credentials, live mode: 401, Twilio not called', async () => {
    const { seen } = installFakeTwilio();
    expectRefused(await ask({ env: { API_KEYS: '' } }), 401, 'A valid API key is required');
    expectRefused(await ask({ env: { API_KEYS: KEY } }), 401, 'A valid API key is required');
    expect(seen).toHaveLength(0);
  });

  it('a plain HTML form post from any site (no preflight) still needs a key', async () => {
    const { seen } = installFakeTwilio();
    const form = new URLSearchParams(STORED);
    const answer = await ask({
      raw: form,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
      env: { API_KEYS: KEY },
    });
    expectRefused(answer, 401, 'A valid API key is required');
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['Authorization: Bearer', { Authorization: `Bearer ${KEY}` }],
    ['X-API-Key', { 'X-API-Key': KEY }],
    ['Basic projectName:projectKey', { Authorization: `Basic ${btoa(`my-project:${KEY}`)}` }],
  ])('a valid key as %s spends the stored credentials', async (_, headers) => {
    const { seen } = installFakeTwilio();
    const answer = await ask({ headers, env: { API_KEYS: `${OTHER_KEY}, ${KEY}` } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.callback).toBe('success');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBe(
      `Basic ${btoa('AC00000000000000000000000000000001:env-secret-token-never-echoed')}`,
    );
  });

  it('a sha256:<hex> entry matches the key whose digest it is; the plain key never has to be stored', async () => {
    installFakeTwilio();
    const env = { API_KEYS: `sha256:${(await sha256(KEY)).toUpperCase()}` };
    expect((await ask({ headers: { 'X-API-Key': KEY }, env })).status).toBe(200);
    expectRefused(await ask({ headers: { 'X-API-Key': OTHER_KEY }, env }), 401, 'A valid API key is required');
  });

  it('a wrong key is a 401 even for a request that brings its own account', async () => {
    const { seen } = installFakeTwilio();
    for (const headers of [{ Authorization: `Bearer ${OTHER_KEY}` }, { 'X-API-Key': 'x'.repeat(300) }]) {
      const answer = await ask({ body: OWN, headers, env: { API_KEYS: KEY } });
      expectRefused(answer, 401, 'A valid API key is required');
      expect(answer.text).not.toContain(OTHER_KEY);
    }
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['Bearer with junk after the key', { Authorization: `Bearer ${KEY} junk` }],
    ['Basic with an empty key', { Authorization: `Basic ${btoa('my-project:')}` }],
    ['Basic that is not base64', { Authorization: 'Basic !!!' }],
    ['another scheme', { Authorization: `Token ${KEY}` }],
    ['an X-API-Key of spaces', { 'X-API-Key': '   ' }],
  ])('a malformed key (%s) is a wrong key: 401, even with the caller’s own account', async (_, headers) => {
    const { seen } = installFakeTwilio();
    expectRefused(await ask({ body: OWN, headers, env: { API_KEYS: KEY } }), 401, 'A valid API key is required');
    expect(seen).toHaveLength(0);
  });

  it('the caller’s own accountSid + accountToken need no key; REQUIRE_API_KEY=always requires one', async () => {
    const { seen } = installFakeTwilio();
    expect((await ask({ body: OWN, env: { API_KEYS: KEY } })).status).toBe(200);
    expect((await ask({ body: OWN, env: { API_KEYS: '' } })).status).toBe(200);
    expectRefused(await ask({ body: OWN, env: { API_KEYS: KEY, REQUIRE_API_KEY: 'always' } }), 401, 'API key');
    const keyed = await ask({
      body: OWN,
      headers: { 'X-API-Key': KEY },
      env: { API_KEYS: KEY, REQUIRE_API_KEY: 'always' },
    });
    expect(keyed.status).toBe(200);
    expect(seen).toHaveLength(3);
  });

  it('ALLOW_ANONYMOUS=true opens the stored credentials deliberately', async () => {
    const { seen } = installFakeTwilio();
    expect((await ask({ env: { ALLOW_ANONYMOUS: 'true', API_KEYS: '' } })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('the sandbox answers without a key until API_KEYS is set; then keys are checked there too', async () => {
    const { seen } = installFakeTwilio();
    const open = await ask({ env: { TWILIO_MODE: 'sandbox', API_KEYS: '' } });
    expect(open.json.callback, open.text).toBe('success');
    expectRefused(await ask({ env: { TWILIO_MODE: 'sandbox', API_KEYS: KEY } }), 401, 'API key');
    const keyed = await ask({ headers: { 'X-API-Key': KEY }, env: { TWILIO_MODE: 'sandbox', API_KEYS: KEY } });
    expect(keyed.json.callback).toBe('success');
    expect(seen).toHaveLength(0);
  });

  it('the descriptor stays public', async () => {
    const answer = await ask({ method: 'GET', path: '/api/Twilio', env: { API_KEYS: KEY } });
    expect(answer.status).toBe(200);
    expect(answer.json.package).toBe('Twilio');
  });
});

describe('rate limit (the Workers rate-limiting binding, 100 per 60 s here)', () => {
  it('per key: over the limit is a 429 with Retry-After, and Twilio is not called for it', async () => {
    const key = `rate-key-${crypto.randomUUID()}`;
    const { seen } = installFakeTwilio();
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof ask>> | undefined;
    for (let i = 0; i < 250 && !refused; i++) {
      const answer = await ask({ headers: { 'X-API-Key': key }, env: { API_KEYS: key }, strict: true });
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(refused).toBeDefined();
    expectRefused(refused!, 429, 'Too many requests');
    expect(refused!.json.error.retryable).toBe(true);
    expect(refused!.res.headers.get('Retry-After')).toBe('60');
    expect(seen).toHaveLength(statuses.filter((s) => s === 200).length);
    // Another key has its own budget.
    const other = `rate-key-${crypto.randomUUID()}`;
    expect(
      (await ask({ headers: { 'X-API-Key': other }, env: { API_KEYS: `${key},${other}` }, strict: true })).status,
    ).toBe(200);
  });

  it('wrong keys count against their IP: guessing at speed meets a 429', async () => {
    const ip = `2001:db8:1::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;
    let last = 0;
    for (let i = 0; i < 250 && last !== 429; i++) {
      const headers = { 'X-API-Key': `guess-${i}-0123456789abcdef`, 'CF-Connecting-IP': ip };
      last = (await ask({ headers, env: { API_KEYS: KEY }, strict: true })).status;
    }
    expect(last).toBe(429);
  });

  it('per client IP for callers without a key (no free oracle for testing stolen credentials)', async () => {
    installFakeTwilio(() => new Response('{"code":20003,"message":"Authenticate","status":401}', { status: 401 }));
    const ip = `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;
    let last = 0;
    for (let i = 0; i < 250 && last !== 429; i++) {
      last = (await ask({ body: OWN, headers: { 'CF-Connecting-IP': ip }, strict: true })).status;
    }
    expect(last).toBe(429);
  });
});

describe('destination guard (ALLOWED_DESTINATIONS) and MAX_SEGMENTS', () => {
  const guarded = { API_KEYS: KEY, ALLOWED_DESTINATIONS: '+1, +44' };
  const headers = { 'X-API-Key': KEY };

  it.each(['+4930123456', 'whatsapp:+4930123456', '+331234', 'sip:alice@example.com', '12345'])(
    'to %s: 403, Twilio not called',
    async (to) => {
      const { seen } = installFakeTwilio();
      const path = to.startsWith('sip:') ? '/api/Twilio/makeCall' : '/api/Twilio/sendSms';
      const body = to.startsWith('sip:')
        ? { from: '+15005550006', to, url: 'https://example.com/t.xml' }
        : { ...STORED, to };
      expectRefused(
        await ask({ path, body, headers, env: guarded }),
        403,
        "The 'To' number is not among the allowed destinations",
      );
      expect(seen).toHaveLength(0);
    },
  );

  it.each(['+14155550100', '+442071234567', 'whatsapp:+14155550100', 'messenger:123456'])(
    'to %s passes',
    async (to) => {
      const { seen } = installFakeTwilio();
      expect((await ask({ body: { ...STORED, to }, headers, env: guarded })).status).toBe(200);
      expect(seen).toHaveLength(1);
    },
  );

  it.each([
    '<Response><Dial>+4930123456</Dial></Response>',
    '<Response><Dial callerId="+15005550006"><Number sendDigits="1">+4930123456</Number></Dial></Response>',
    '<Response><Dial><Sip>sip:premium@example.com</Sip></Dial></Response>',
  ])('caller-supplied TwiML that dials elsewhere is held to the list: %s', async (twiml) => {
    const { seen } = installFakeTwilio();
    const body = { from: '+15005550006', to: '+14155550100', twiml };
    expectRefused(
      await ask({ path: '/api/Twilio/makeCall', body, headers, env: guarded }),
      403,
      /^.*The TwiML (dials|hands)/,
    );
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['CDATA', '<Response><Dial><![CDATA[+4930123456]]></Dial></Response>'],
    ['CDATA in a Number', '<Response><Dial><Number><![CDATA[+4930123456]]></Number></Dial></Response>'],
    ['a comment inside the number', '<Response><Dial><Number>+49<!-- -->30123456</Number></Dial></Response>'],
    ['entities', '<Response><Dial>&#43;4930123456</Dial></Response>'],
    ['lower-case tags', '<response><dial><number>+4930123456</number></dial></response>'],
    ['a Redirect', '<Response><Redirect>https://attacker.example/dial.xml</Redirect></Response>'],
    ['a Dial action', '<Response><Dial action="https://attacker.example/next.xml">+14155550101</Dial></Response>'],
    [
      'a Number url',
      '<Response><Dial><Number url="https://attacker.example/w.xml">+14155550101</Number></Dial></Response>',
    ],
    ['a Gather action', '<Response><Gather action="https://attacker.example/g.xml"/></Response>'],
    // Issue 23: every spelling the guard knows; the namespaced ones and a number after a child got through before.
    ['a namespaced Dial', '<Response><t:Dial xmlns:t="x">+4915112345678</t:Dial></Response>'],
    ['a namespaced Number', '<Response><Dial><t:Number xmlns:t="x">+4930123456</t:Number></Dial></Response>'],
    [
      'a namespaced Redirect',
      '<Response><x:Redirect xmlns:x="y">https://attacker.example/d.xml</x:Redirect></Response>',
    ],
    ['a namespaced Sip', '<Response><Dial><x:Sip xmlns:x="y">sip:premium@example.com</x:Sip></Dial></Response>'],
    [
      'a namespaced action attribute',
      '<Response><Dial xmlns:x="y" x:action="https://attacker.example/n.xml">+14155550101</Dial></Response>',
    ],
    ["a Dial's number after a child element", '<Response><Dial> <Client>alice</Client>+4930123456</Dial></Response>'],
    [
      'a DOCTYPE with an entity',
      '<!DOCTYPE Response [<!ENTITY n "+4930123456">]><Response><Dial>&n;</Dial></Response>',
    ],
    ['upper-case tags with whitespace', '<Response><DIAL\t>+4930123456</DIAL ></Response>'],
    ['a space after <', '<Response>< Dial>+4930123456</ Dial></Response>'],
    ['hex entities', '<Response><Dial>&#x2B;4930123456</Dial></Response>'],
    ['whitespace around the number', '<Response><Dial>\n  +4930123456\n</Dial></Response>'],
    [
      'a formatted number (spaces), judged unreadable',
      '<Response><Dial><Number>+44 20 7946 0000</Number></Dial></Response>',
    ],
    ['an upper-case SIP', '<Response><Dial><SIP>sip:premium@example.com</SIP></Dial></Response>'],
    ['a Sim', '<Response><Dial><Sim>DE00000000000000000000000000000000</Sim></Dial></Response>'],
    [
      'an Application',
      '<Response><Dial><Application>AP00000000000000000000000000000000</Application></Dial></Response>',
    ],
    ['an Enqueue waitUrl', '<Response><Enqueue waitUrl="https://attacker.example/w.xml">q</Enqueue></Response>'],
    [
      'a Conference waitUrl',
      '<Response><Dial><Conference waitUrl="https://attacker.example/w.xml">r</Conference></Dial></Response>',
    ],
    ['a Dial referUrl', '<Response><Dial referUrl="https://attacker.example/r.xml">+14155550101</Dial></Response>'],
    [
      'a > inside a quoted attribute before a url',
      '<Response><Dial><Number sendDigits=">" url="https://attacker.example/w.xml">+14155550101</Number></Dial></Response>',
    ],
    ['an upper-case ACTION', '<Response><Gather ACTION="https://attacker.example/g.xml"/></Response>'],
  ])('TwiML that escapes the list through %s is refused', async (_, twiml) => {
    const { seen } = installFakeTwilio();
    const body = { from: '+15005550006', to: '+14155550100', twiml };
    const answer = await ask({ path: '/api/Twilio/makeCall', body, headers, env: guarded });
    expect(answer.status, answer.text).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['escaped markup', '<Response><Say>x&lt;Dial&gt;+4930123456&lt;/Dial&gt;</Say></Response>'],
    ['url= in spoken text', '<Response><Say>fix url= bug</Say></Response>'],
    ['markup inside CDATA', '<Response><Say><![CDATA[a <Redirect>https://x.example</Redirect>]]></Say></Response>'],
  ])('text that only looks like markup (%s) is not refused: Twilio reads it as text', async (_, twiml) => {
    const { seen } = installFakeTwilio();
    const body = { from: '+15005550006', to: '+14155550100', twiml };
    expect((await ask({ path: '/api/Twilio/makeCall', body, headers, env: guarded })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['a Conference', '<Response><Dial><Conference>room-1</Conference></Dial></Response>'],
    ['an Enqueue', '<Response><Enqueue>support</Enqueue></Response>'],
    ['a Queue', '<Response><Dial><Queue>support</Queue></Dial></Response>'],
    ['a Play of audio (audio only, never TwiML)', '<Response><Play>https://media.example.com/a.mp3</Play></Response>'],
    ['an XML declaration', '<?xml version="1.0" encoding="UTF-8"?><Response><Dial>+14155550101</Dial></Response>'],
    [
      'an allowed number after a Client',
      '<Response><Dial><Client>alice</Client><Number>+442071234567</Number></Dial></Response>',
    ],
  ])('TwiML that stays within the list passes: %s', async (_, twiml) => {
    const { seen } = installFakeTwilio();
    const body = { from: '+15005550006', to: '+14155550100', twiml };
    const answer = await ask({ path: '/api/Twilio/makeCall', body, headers, env: guarded });
    expect(answer.status, answer.text).toBe(200);
    expect(seen).toHaveLength(1);
  });

  // Issue 23: `+1` is all of NANP; `+1-US` and `+1-CA` name one country's area codes.
  it.each([
    ['+1-US', '+14155550100', 200],
    ['+1-US', '+12125550100', 200],
    ['+1-US', '+18765550100', 403], // Jamaica
    ['+1-US', '+16585550100', 403], // Jamaica's overlay
    ['+1-US', '+18095550100', 403], // Dominican Republic
    ['+1-US', '+12425550100', 403], // Bahamas
    ['+1-US', '+17875550100', 403], // Puerto Rico, a US territory billed apart
    ['+1-US', '+14165550100', 403], // Toronto
    ['+1-US', '+19005550100', 403], // premium rate
    ['+1-US', '+1415555010', 403], // too short for NANP
    ['+1-CA', '+14165550100', 200],
    ['+1-CA', '+16045550100', 200],
    ['+1-CA', '+14155550100', 403],
    ['+1-CA', '+18765550100', 403],
    ['+1-US,+1-CA', '+15145550100', 200],
    ['+1-US,+44', '+442071234567', 200],
    ['+1', '+18765550100', 200], // +1 alone: all of NANP, as documented
  ])('ALLOWED_DESTINATIONS=%s, to %s: %i', async (list, to, status) => {
    const { seen } = installFakeTwilio();
    const answer = await ask({ body: { ...STORED, to }, headers, env: { API_KEYS: KEY, ALLOWED_DESTINATIONS: list } });
    expect(answer.status, answer.text).toBe(status);
    expect(seen).toHaveLength(status === 200 ? 1 : 0);
  });

  it('a NANP region holds caller-supplied TwiML too: +1-US refuses a Dial to Jamaica', async () => {
    const { seen } = installFakeTwilio();
    const env = { API_KEYS: KEY, ALLOWED_DESTINATIONS: '+1-US' };
    const dial = (number: string) => `<Response><Dial>${number}</Dial></Response>`;
    const call = (twiml: string) =>
      ask({ path: '/api/Twilio/makeCall', body: { from: '+15005550006', to: '+14155550100', twiml }, headers, env });
    expect((await call(dial('+18765550100'))).status).toBe(403);
    expect((await call(dial('+14155550101'))).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it.each(['+1-UK', '+1-us', '+44-GB', '+1-'])('ALLOWED_DESTINATIONS=%s is a configuration error', async (list) => {
    const answer = await ask({ headers, env: { API_KEYS: KEY, ALLOWED_DESTINATIONS: list } });
    expect(answer.status).toBe(500);
    expect(answer.json.contextWrites.to).toBe('Gateway configuration error: invalid ALLOWED_DESTINATIONS');
  });

  it('a caller-supplied TwiML url must be on ALLOWED_TWIML_HOSTS while the list is set', async () => {
    const { seen } = installFakeTwilio();
    const call = (url: string, env: Record<string, string>) =>
      ask({ path: '/api/Twilio/makeCall', body: { from: '+15005550006', to: '+14155550100', url }, headers, env });
    expectRefused(await call('https://attacker.example/dial.xml', guarded), 403, 'url host');
    const hosts = { ...guarded, ALLOWED_TWIML_HOSTS: 'twiml.example.com' };
    expectRefused(await call('https://attacker.example/dial.xml', hosts), 403, 'url host');
    expect((await call('https://TWIML.example.com/voice.xml', hosts)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it.each(['rcs:+4930123456', 'viber:+4930123456', 'messenger: +4930123456'])(
    'a channel with a number, %s, is checked by it',
    async (to) => {
      const { seen } = installFakeTwilio();
      expectRefused(await ask({ body: { ...STORED, to }, headers, env: guarded }), 403, 'allowed destinations');
      expect(seen).toHaveLength(0);
    },
  );

  it('TwiML that dials an allowed number, or a client, passes', async () => {
    const { seen } = installFakeTwilio();
    const twiml = '<Response><Dial><Number>+14155550101</Number><Client>alice</Client></Dial></Response>';
    const body = { from: '+15005550006', to: 'client:bob', twiml };
    expect((await ask({ path: '/api/Twilio/makeCall', body, headers, env: guarded })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('MAX_SEGMENTS caps one SMS: 161 GSM characters are 2 segments', async () => {
    const { seen } = installFakeTwilio();
    const env = { API_KEYS: KEY, MAX_SEGMENTS: '1' };
    expectRefused(
      await ask({ body: { ...STORED, body: 'x'.repeat(161) }, headers, env }),
      403,
      '2 segments; at most 1',
    );
    expect((await ask({ body: { ...STORED, body: 'x'.repeat(160) }, headers, env })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('MAX_SEGMENTS counts a Content template’s variables: 1,500 characters under a cap of 3 are refused (issue 23)', async () => {
    const { seen } = installFakeTwilio();
    const env = { API_KEYS: KEY, MAX_SEGMENTS: '3' };
    const template = { ...STORED, body: undefined, contentSid: `HX${'0'.repeat(32)}` };
    const long = JSON.stringify({ 1: 'x'.repeat(1500) });
    expectRefused(
      await ask({ body: { ...template, contentVariables: long }, headers, env }),
      403,
      'The contentVariables take 10 segments; at most 3 are allowed',
    );
    const split = JSON.stringify({ 1: 'x'.repeat(300), 2: 'y'.repeat(300) });
    expectRefused(await ask({ body: { ...template, contentVariables: split }, headers, env }), 403, '4 segments');
    expectRefused(
      await ask({ body: { ...template, contentVariables: 'not json' }, headers, env }),
      403,
      'The contentVariables are not a JSON object, so MAX_SEGMENTS cannot count them',
    );
    const short = JSON.stringify({ 1: '12/1', 2: '3pm' });
    expect((await ask({ body: { ...template, contentVariables: short }, headers, env })).status).toBe(200);
    expect((await ask({ body: { ...template, contentVariables: long }, headers, env: { API_KEYS: KEY } })).status).toBe(
      200,
    );
    expect(seen).toHaveLength(2);
  });

  it('MAX_SEGMENTS does not count an MMS caption (an MMS is billed per message)', async () => {
    const { seen } = installFakeTwilio();
    const mms = { ...STORED, body: 'x'.repeat(1000), mediaUrl: 'https://example.com/a.png' };
    const answer = await ask({
      path: '/api/Twilio/sendMms',
      body: mms,
      headers,
      env: { API_KEYS: KEY, MAX_SEGMENTS: '1' },
    });
    expect(answer.status, answer.text).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('a bad list is a configuration error naming the setting', async () => {
    const answer = await ask({ headers, env: { API_KEYS: KEY, ALLOWED_DESTINATIONS: '44' } });
    expect(answer.status).toBe(500);
    expect(answer.json.contextWrites.to).toBe('Gateway configuration error: invalid ALLOWED_DESTINATIONS');
  });
});

describe('bodies, CORS and headers', () => {
  it('a body over 64 KB is a 413 before parsing, with a Content-Length or streamed without one', async () => {
    const { seen } = installFakeTwilio();
    const big = JSON.stringify({ ...OWN, body: 'x'.repeat(70 * 1024) });
    expectRefused(await ask({ raw: big }), 413, 'over 64 KB');
    const chunks = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 4096) controller.enqueue(chunks.slice(i, i + 4096));
        controller.close();
      },
    });
    const streamed = await app.request(
      '/api/Twilio/sendSms',
      // @ts-expect-error duplex is required by fetch for a stream body; workerd's RequestInit types omit it
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: stream, duplex: 'half' },
      envWith(),
    );
    expect(streamed.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('CORS answers only the origins in CORS_ORIGINS', async () => {
    const env = { CORS_ORIGINS: 'https://app.example.com' };
    const preflight = (origin: string, extra: Record<string, string> = env) =>
      ask({
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-api-key',
        },
        env: extra,
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.res.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com');
    expect(allowed.res.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('x-api-key');
    expect((await preflight('https://evil.example')).res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect((await preflight('https://app.example.com', {})).res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('secure response headers on successes and errors', async () => {
    installFakeTwilio();
    for (const answer of [await ask({ body: OWN }), await ask({ body: { bogus: 1 } })]) {
      expect(answer.res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(answer.res.headers.get('X-Frame-Options')).toBe('DENY');
      expect(answer.res.headers.get('Referrer-Policy')).toBe('no-referrer');
      expect(answer.res.headers.get('Strict-Transport-Security')).toMatch(/max-age=/);
    }
  });
});

describe('config hardening', () => {
  it('a TWILIO_ACCOUNT_SID that is not AC + 32 hex is a configuration error that shows no value', async () => {
    installFakeTwilio();
    const swapped = 'env-secret-token-never-echoed';
    const answer = await ask({ headers: { 'X-API-Key': KEY }, env: { API_KEYS: KEY, TWILIO_ACCOUNT_SID: swapped } });
    expect(answer.status).toBe(500);
    expect(answer.json.contextWrites.to).toBe('Gateway configuration error: invalid TWILIO_ACCOUNT_SID');
    expect(answer.text).not.toContain(swapped);
  });

  it('at most five unknown names are listed', async () => {
    installFakeTwilio();
    const body = { ...OWN, ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`junk${i}`, i])) };
    const answer = await ask({ body });
    expect(answer.json.contextWrites.to).toBe(
      '[HTTP 400] Unable to create record: Unknown parameter: junk0, junk1, junk2, junk3, junk4 and 45 more',
    );
  });
});
