/**
 * `POST /hooks/{name}` through the real app, with the payloads Stripe, GitHub and Shopify send: each scheme
 * accepted and tampered, stale timestamps, a provider's retry deduplicated, a `when` miss, missing template
 * paths, TwiML escaping, the dry run, and a sync failure answered 5xx. Twilio is the fake of fake-twilio.ts.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { KV_CACHE_MS } from '../../src/recipes/document';
import { HOOK_TTL_MS, IDEMPOTENCY_TTL_MS, storeName } from '../../src/send/idempotency';
import { createdResponse, installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { CALLER_KEY, ENV_TOKEN, send } from '../helpers';
import {
  githubDeployment,
  githubSignature,
  hook,
  hookEnv,
  nowSeconds,
  RECIPES,
  SECRETS,
  shopifyOrder,
  shopifySignature,
  standardHeaders,
  stripeInvoiceFailed,
  stripeSignature,
  twilioFormSignature,
} from './fixtures';

afterEach(() => vi.restoreAllMocks());

/** Hex SHA-256 of a text or bytes: the store key of an event id. */
const sha256 = async (data: string | Uint8Array) =>
  Array.from(
    new Uint8Array(
      await crypto.subtle.digest('SHA-256', typeof data === 'string' ? new TextEncoder().encode(data) : data),
    ),
    (b) => b.toString(16).padStart(2, '0'),
  ).join('');

/** The IdempotencyStore of a signed recipe's event id. */
const hookStore = async (recipe: string, id: string) =>
  env.IDEMPOTENCY.get(env.IDEMPOTENCY.idFromName(`hook:${recipe}\nhook:${recipe}\n${await sha256(id)}`));

const fresh = (prefix: string) => `${prefix}${crypto.randomUUID().replaceAll('-', '')}`;

/** A Stripe event with its own id, and the headers Stripe sends with it (signed now, unless `t`). */
async function stripeEvent(changes: Record<string, unknown> = {}, t = nowSeconds()) {
  const body = JSON.stringify({ ...stripeInvoiceFailed, id: fresh('evt_'), ...changes });
  return { body, headers: { 'Stripe-Signature': await stripeSignature(body, t), 'User-Agent': 'Stripe/1.0' } };
}

/** A deployment of its own: GitHub's event id is the body's digest, so each test's deliveries differ. */
const newDeployment = () => ({
  ...githubDeployment,
  deployment: { ...githubDeployment.deployment, id: Math.floor(Math.random() * 2 ** 40) },
});

async function githubEvent(payload: unknown = newDeployment(), event = 'deployment') {
  const body = JSON.stringify(payload);
  const headers = {
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': crypto.randomUUID(),
    'X-Hub-Signature-256': await githubSignature(body),
  };
  return { body, headers };
}

async function shopifyEvent() {
  const body = JSON.stringify({ ...shopifyOrder, id: Math.floor(Math.random() * 2 ** 50) });
  const headers = {
    'X-Shopify-Topic': 'orders/create',
    'X-Shopify-Webhook-Id': crypto.randomUUID(),
    'X-Shopify-Hmac-Sha256': await shopifySignature(body),
  };
  return { body, headers };
}

const refusedSignature = (answer: Awaited<ReturnType<typeof hook>>, scheme: string) => {
  expect(answer.status, answer.text).toBe(401);
  expect(answer.json).toEqual({
    callback: 'error',
    contextWrites: {
      to: `[HTTP 401] Refused by the gateway: The webhook's ${scheme} signature is missing, wrong or out of date`,
    },
    error: {
      status: 401,
      code: null,
      moreInfo: null,
      retryable: false,
      source: 'gateway',
      hint: "Set the recipe's verify.secret to the secret the sender signs with; to try the recipe unsigned, add ?dryRun=1 and a caller key.",
    },
  });
};

describe('stripe: a failed payment → SMS', () => {
  it('sends the rendered SMS once, with the stored credentials', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent();
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.callback).toBe('success');
    expect(answer.json.contextWrites.to.sid).toMatch(/^SM/);
    expect(seen).toHaveLength(1);
    expect(Object.fromEntries(seen[0]!.form)).toEqual({
      To: '+14155550123',
      From: '+15005550006',
      Body: 'Hi Ana Silva, your payment of 49.00 USD failed. Update your card: https://invoice.stripe.com/i/acct_1Qy/test_YWNjdF8xUXk',
    });
    expect(seen[0]!.url).toContain('/Accounts/AC00000000000000000000000000000001/Messages.json');
  });

  it('a tampered body, a wrong secret or no signature: 401, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent();
    refusedSignature(await hook('stripe-failed-payment', body.replace('4900', '1'), headers), 'stripe');
    const t = nowSeconds();
    const wrong = { 'Stripe-Signature': await stripeSignature(body, t, 'whsec_not_the_one') };
    refusedSignature(await hook('stripe-failed-payment', body, wrong), 'stripe');
    refusedSignature(await hook('stripe-failed-payment', body, {}), 'stripe');
    expect(seen).toHaveLength(0);
  });

  it('a stale timestamp (over 5 minutes) or one from the future: 401', async () => {
    const { seen } = installFakeTwilio();
    const stale = await stripeEvent({}, nowSeconds() - 301);
    refusedSignature(await hook('stripe-failed-payment', stale.body, stale.headers), 'stripe');
    const future = await stripeEvent({}, nowSeconds() + 301);
    refusedSignature(await hook('stripe-failed-payment', future.body, future.headers), 'stripe');
    const recent = await stripeEvent({}, nowSeconds() - 240);
    expect((await hook('stripe-failed-payment', recent.body, recent.headers)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('Stripe’s retry of the event (same id, signed again later) is replayed, never sent twice', async () => {
    const { seen } = installFakeTwilio();
    const first = await stripeEvent();
    const one = await hook('stripe-failed-payment', first.body, first.headers);
    const retry = { 'Stripe-Signature': await stripeSignature(first.body, nowSeconds() + 1) };
    const two = await hook('stripe-failed-payment', first.body, retry);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    expect(two.text).toBe(one.text);
    expect(one.res.headers.get('Idempotent-Replayed')).toBeNull();
    expect(two.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
    // Another event is another send.
    const other = await stripeEvent();
    expect(
      (await hook('stripe-failed-payment', other.body, other.headers)).res.headers.get('Idempotent-Replayed'),
    ).toBeNull();
    expect(seen).toHaveLength(2);
  });

  it('a `when` miss (another event type): 204, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent({ type: 'invoice.paid' });
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(seen).toHaveLength(0);
  });

  it('a missing path renders empty: the rendered input is refused with the documented 400', async () => {
    const { seen } = installFakeTwilio();
    const data = { object: { ...stripeInvoiceFailed.data.object, customer_phone: null, customer_name: null } };
    const { body, headers } = await stripeEvent({ data });
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status).toBe(400);
    expect(answer.json.contextWrites.to).toBe("[HTTP 400] Unable to create record: A 'To' phone number is required.");
    expect(answer.json.error).toMatchObject({ code: 21604, source: 'twilio' });
    expect(seen).toHaveLength(0);
  });

  it('a send Twilio refused is final: 200 with the error envelope, so that Stripe stops; its retry is replayed', async () => {
    const { seen } = installFakeTwilio(() =>
      twilioErrorResponse(400, 21211, "The 'To' number +14155550123 is not a valid phone number."),
    );
    const { body, headers } = await stripeEvent();
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status).toBe(200);
    expect(answer.json.contextWrites.to).toBe(
      "[HTTP 400] Unable to create record: The 'To' number +14155550123 is not a valid phone number.",
    );
    expect(answer.json.error).toMatchObject({ status: 400, code: 21211, source: 'twilio' });
    const retry = await hook('stripe-failed-payment', body, { 'Stripe-Signature': await stripeSignature(body) });
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(answer.text);
    expect(retry.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });

  it('an outcome in doubt (Twilio 5xx, a timeout) is final too: 200 with the envelope, replayed, never sent again', async () => {
    for (const [answerOf, env, text] of [
      [
        () => twilioErrorResponse(500, 20500, 'Internal Server Error'),
        {},
        '[HTTP 500] Unable to create record: Internal Server Error',
      ],
      [
        () => new Promise<Response>(() => {}),
        { TWILIO_TIMEOUT_MS: '50' },
        '[HTTP 504] Unable to create record: Twilio did not answer within 50 ms',
      ],
    ] as const) {
      const { seen } = installFakeTwilio(answerOf);
      const { body, headers } = await stripeEvent();
      const answer = await hook('stripe-failed-payment', body, headers, { env });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.contextWrites.to).toBe(text);
      expect(answer.json.error.retryable).toBe(false);
      const retry = await hook(
        'stripe-failed-payment',
        body,
        { 'Stripe-Signature': await stripeSignature(body) },
        { env },
      );
      expect(retry.status).toBe(200);
      expect(retry.res.headers.get('Idempotent-Replayed')).toBe('true');
      expect(seen).toHaveLength(1);
      vi.restoreAllMocks();
    }
  });

  it('the event id is kept 7 days (longer than any provider retries); an Idempotency-Key of a block route, 24 h', async () => {
    installFakeTwilio(() => twilioErrorResponse(500, 20500, 'Internal Server Error'));
    const { body, headers } = await stripeEvent();
    const before = Date.now();
    expect((await hook('stripe-failed-payment', body, headers)).status).toBe(200);
    const alarm = await runInDurableObject(await hookStore('stripe-failed-payment', JSON.parse(body).id), (_, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).toBeGreaterThanOrEqual(before + HOOK_TTL_MS);
    expect(alarm).toBeLessThanOrEqual(Date.now() + HOOK_TTL_MS);
    expect(HOOK_TTL_MS).toBe(7 * 24 * 60 * 60 * 1000);

    const key = `order-${crypto.randomUUID()}`;
    const sms = { from: '+15005550006', to: '+14155550100', body: 'x' };
    await send('/api/Twilio/sendSms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(sms),
    });
    // The suite caller key's id (`key:` + 12 hex of its SHA-256), as middleware/caller.ts names it.
    const name = await storeName({ kind: 'key', id: `key:${(await sha256(CALLER_KEY)).slice(0, 12)}` }, sms, key);
    const blockAlarm = await runInDurableObject(env.IDEMPOTENCY.get(env.IDEMPOTENCY.idFromName(name)), (_, state) =>
      state.storage.getAlarm(),
    );
    expect(blockAlarm).toBeLessThanOrEqual(Date.now() + IDEMPOTENCY_TTL_MS);
    expect(blockAlarm).toBeGreaterThan(Date.now() + IDEMPOTENCY_TTL_MS - 60_000);
  });

  it('a 429 is not kept: 503, so that Stripe retries; the retry sends', async () => {
    const { seen } = installFakeTwilio((s, attempt) =>
      attempt <= 4 ? twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }) : createdResponse(s),
    );
    const { body, headers } = await stripeEvent();
    const first = await hook('stripe-failed-payment', body, headers);
    expect(first.status).toBe(503);
    expect(first.json.contextWrites.to).toBe('[HTTP 429] Unable to create record: Too Many Requests');
    expect(first.json.error).toMatchObject({ status: 429, retryable: true });
    const retry = await hook('stripe-failed-payment', body, { 'Stripe-Signature': await stripeSignature(body) });
    expect(retry.status).toBe(200);
    expect(seen).toHaveLength(5);
  });

  it('a refusal before any POST (the destination guard) is its own 4xx, never a 5xx; nothing is kept', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent();
    const env = { ALLOWED_DESTINATIONS: '+44' };
    const text = "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations";
    for (let i = 0; i < 2; i++) {
      const answer = await hook(
        'stripe-failed-payment',
        body,
        { 'Stripe-Signature': await stripeSignature(body) },
        { env },
      );
      expect(answer.status).toBe(403);
      expect(answer.json.contextWrites.to).toBe(text);
      expect(answer.res.headers.get('Idempotent-Replayed')).toBeNull();
    }
    expect(seen).toHaveLength(0);
    // Once the setting is fixed, the provider's next retry sends (once).
    expect((await hook('stripe-failed-payment', body, headers)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('ERROR_STATUS=always-200 does not apply to hooks: a sender must see the real status', async () => {
    const { body } = await stripeEvent();
    const env = { ERROR_STATUS: 'always-200' };
    expect((await hook('stripe-failed-payment', body, { 'Stripe-Signature': 't=1,v1=00' }, { env })).status).toBe(401);
  });
});

describe('github: a deployment → a call that speaks', () => {
  it('calls with the TwiML rendered, values XML-escaped', async () => {
    const { seen } = installFakeTwilio();
    const payload = {
      ...githubDeployment,
      repository: { ...githubDeployment.repository, name: 'x</Say><Dial>+19005550100</Dial><Say>' },
      deployment: { ...newDeployment().deployment, creator: { login: 'mallory & "co"' } },
    };
    const { body, headers } = await githubEvent(payload);
    const answer = await hook('github-deploy', body, headers, { env: { ALLOWED_DESTINATIONS: '+1' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.contextWrites.to.sid).toMatch(/^CA/);
    expect(seen[0]!.form.get('Twiml')).toBe(
      '<Response><Say>Deploy of x&lt;/Say&gt;&lt;Dial&gt;+19005550100&lt;/Dial&gt;&lt;Say&gt; to production by mallory &amp; &quot;co&quot;.</Say></Response>',
    );
  });

  it('a push event, or a deployment to another environment: 204', async () => {
    const { seen } = installFakeTwilio();
    const push = await githubEvent(githubDeployment, 'push');
    expect((await hook('github-deploy', push.body, push.headers)).status).toBe(204);
    const preview = { ...githubDeployment, deployment: { ...newDeployment().deployment, environment: 'preview' } };
    const other = await githubEvent(preview);
    expect((await hook('github-deploy', other.body, other.headers)).status).toBe(204);
    const staging = { ...githubDeployment, deployment: { ...newDeployment().deployment, environment: 'staging' } };
    const listed = await githubEvent(staging);
    expect((await hook('github-deploy', listed.body, listed.headers)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('tampered: 401; a redelivery (same X-GitHub-Delivery) is replayed', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await githubEvent();
    refusedSignature(await hook('github-deploy', `${body} `, headers), 'github');
    expect((await hook('github-deploy', body, headers)).status).toBe(200);
    const again = await hook('github-deploy', body, headers);
    expect(again.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });
});

describe('shopify: an order → an MMS with the product image', () => {
  it('sends the MMS; tampered is 401; a retry of the webhook id is replayed', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await shopifyEvent();
    refusedSignature(await hook('shopify-order', body.replace('199.00', '1.00'), headers), 'shopify');
    const answer = await hook('shopify-order', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.form.getAll('MediaUrl')).toEqual([
      'https://cdn.shopify.com/s/files/1/0000/0001/products/ipod-nano.png',
    ]);
    expect(seen[0]!.form.get('To')).toBe('+14155550144');
    expect(seen[0]!.form.get('Body')).toBe('Thanks Jon! Order #1001 (199.00 USD) is confirmed: IPod Nano - 8GB');
    expect((await hook('shopify-order', body, headers)).res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });
});

describe('the other schemes', () => {
  it('standard webhooks: accepted, tampered, stale; webhook-id deduplicates', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ type: 'user.created', to: '+14155550100' });
    const id = fresh('msg_');
    const headers = await standardHeaders(body, id);
    refusedSignature(await hook('standard', body.replace('created', 'deleted'), headers), 'standard');
    refusedSignature(await hook('standard', body, await standardHeaders(body, id, nowSeconds() - 400)), 'standard');
    expect((await hook('standard', body, headers)).status).toBe(200);
    expect((await hook('standard', body, headers)).res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.form.get('Body')).toBe('Event user.created');
  });

  it('twilio: an inbound SMS (a signed form post) forwarded; tampered refused', async () => {
    const { seen } = installFakeTwilio();
    const url = 'https://gateway.test/hooks/twilio-inbound';
    const form = {
      MessageSid: 'SM0123456789abcdef0123456789abcdef',
      From: '+14155550177',
      To: '+15005550006',
      Body: 'STOP & go <now>',
    };
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': await twilioFormSignature(url, form),
      'I-Twilio-Idempotency-Token': crypto.randomUUID(),
    };
    const body = new URLSearchParams(form).toString();
    refusedSignature(await hook('twilio-inbound', body.replace('STOP', 'START'), headers), 'twilio');
    const answer = await hook('twilio-inbound', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(seen[0]!.form.get('Body')).toBe('From +14155550177: STOP & go <now>');
    expect((await hook('twilio-inbound', body, headers)).res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });

  it('header: the shared secret in its header, or 401', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ to: '+14155550100', text: 'Backup done' });
    refusedSignature(await hook('plain', body, { 'x-hook-token': 'guess' }), 'header');
    refusedSignature(await hook('plain', body, {}), 'header');
    expect((await hook('plain', body, { 'x-hook-token': SECRETS.PLAIN_HOOK_TOKEN })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('wrong signatures count against their IP (the deployed limit): a shared secret cannot be guessed at speed', async () => {
    const { seen } = installFakeTwilio();
    const ip = `2001:db8:2::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;
    const strict = { RATE_LIMITER: 'STRICT' };
    const body = JSON.stringify({ to: '+14155550100', text: 'x' });
    const statuses: number[] = [];
    // Until the 429: the limiter's window may turn over once while the guesses run, so allow more than 101.
    for (let i = 0; i < 250 && statuses.at(-1) !== 429; i++) {
      const guess = await hook(
        'plain',
        body,
        { 'x-hook-token': `guess-${i}`, 'cf-connecting-ip': ip },
        { env: strict },
      );
      statuses.push(guess.status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(seen).toHaveLength(0);
  });
});

describe('a recipe without verify', () => {
  const order = () => JSON.stringify({ order: { id: fresh('ord_'), phone: '+14155550100' } });

  it('needs a caller key: none or a wrong one is 401, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const answer = await hook('keyed', order(), {});
    expect(answer.status).toBe(401);
    expect(answer.json.contextWrites.to).toMatch(/^\[HTTP 401\] Refused by the gateway: A valid API key is required/);
    expect((await hook('keyed', order(), { 'X-API-Key': 'not-the-key-0123456789' })).status).toBe(401);
    // No API_KEYS at all, live mode: still no way in without a signature.
    expect((await hook('keyed', order(), {}, { env: { API_KEYS: undefined } })).status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('JSON posted as a form (curl -d) is a 415 naming Content-Type: application/json; nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-API-Key': CALLER_KEY };
    const answer = await hook('keyed', order(), form);
    expect(answer.status).toBe(415);
    expect(answer.json.contextWrites.to).toBe(
      '[HTTP 415] Unable to create record: The body is JSON but its Content-Type is application/x-www-form-urlencoded: send it as application/json',
    );
    expect(answer.json.error.hint).toMatch(/^Send the header Content-Type: application\/json/);
    expect(seen).toHaveLength(0);
  });

  it.each([33, 20_000])(
    'a JSON body nested %i levels deep is a 400 that names the bound, nothing sent (issue 23)',
    async (depth) => {
      const { seen } = installFakeTwilio();
      const deep = `${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}`;
      const body = `{"order":{"id":${deep},"phone":"+14155550100"}}`;
      const answer = await hook('keyed', body, { 'X-API-Key': CALLER_KEY });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.contextWrites.to).toMatch(/The body's JSON nests deeper than 32 levels$/);
      expect(seen).toHaveLength(0);
    },
  );

  it('with the key it sends, once per event id of its template', async () => {
    const { seen } = installFakeTwilio();
    const body = order();
    const one = await hook('keyed', body, { 'X-API-Key': CALLER_KEY });
    const two = await hook('keyed', body, { Authorization: `Bearer ${CALLER_KEY}` });
    expect(one.status, one.text).toBe(200);
    expect(two.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });
});

describe('dry run', () => {
  it('answers the rendered input, the missing paths and the form that would be sent; sends nothing', async () => {
    const { seen } = installFakeTwilio();
    const data = { object: { ...stripeInvoiceFailed.data.object, customer_name: undefined, hosted_invoice_url: null } };
    const { body, headers } = await stripeEvent({ data });
    const answer = await hook('stripe-failed-payment', body, headers, { query: '?dryRun=1' });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toEqual({
      dryRun: true,
      recipe: 'stripe-failed-payment',
      block: 'sendSms',
      matched: true,
      eventId: JSON.parse(body).id,
      async: false,
      input: {
        from: '+15005550006',
        to: '+14155550123',
        body: 'Hi there, your payment of 49.00 USD failed. Update your card: ',
      },
      missing: ['data.object.hosted_invoice_url'],
      wouldSend: {
        resource: 'Messages',
        form: {
          To: '+14155550123',
          From: '+15005550006',
          Body: 'Hi there, your payment of 49.00 USD failed. Update your card: ',
        },
      },
      error: null,
    });
    expect(seen).toHaveLength(0);
    // The dry run kept nothing: the real delivery sends.
    expect((await hook('stripe-failed-payment', body, headers)).res.headers.get('Idempotent-Replayed')).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it('needs a valid signature too', async () => {
    const { body, headers } = await stripeEvent();
    refusedSignature(await hook('stripe-failed-payment', `${body} `, headers, { query: '?dryRun=1' }), 'stripe');
  });

  it('reports a `when` miss, an input that would be refused, and the destination guard', async () => {
    const { seen } = installFakeTwilio();
    const miss = await stripeEvent({ type: 'invoice.paid', data: { object: {} } });
    const report = await hook('stripe-failed-payment', miss.body, miss.headers, { query: '?dryRun=true' });
    expect(report.json).toMatchObject({ matched: false, wouldSend: null });
    expect(report.json.missing).toContain('data.object.customer_phone');
    expect(report.json.error).toMatchObject({
      contextWrites: { to: "[HTTP 400] Unable to create record: A 'To' phone number is required." },
    });
    const abroad = await stripeEvent({
      data: { object: { ...stripeInvoiceFailed.data.object, customer_phone: '+4930123456' } },
    });
    const guarded = await hook('stripe-failed-payment', abroad.body, abroad.headers, {
      query: '?dryRun=1',
      env: { ALLOWED_DESTINATIONS: '+1' },
    });
    expect(guarded.json.wouldSend).toBeNull();
    expect(guarded.json.error.contextWrites.to).toBe(
      "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations",
    );
    expect(seen).toHaveLength(0);
  });

  it('never echoes a secret: an account token the recipe renders is masked', async () => {
    const recipes = JSON.stringify({
      own: {
        block: 'sendSms',
        fields: {
          accountSid: 'AC0123456789abcdef0123456789abcdef',
          accountToken: '{{header:x-account-token}}',
          from: '+15005550006',
          to: '+14155550100',
          body: 'hi',
        },
      },
    });
    const answer = await hook(
      'own',
      '{}',
      { 'X-API-Key': CALLER_KEY, 'x-account-token': 'tok-s3cr3t-value' },
      {
        query: '?dryRun=1',
        env: { RECIPES: recipes },
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.json.input.accountToken).toBe('[redacted]');
    expect(answer.json.wouldSend.form).not.toHaveProperty('AccountToken');
    for (const secret of ['tok-s3cr3t-value', ENV_TOKEN, ...Object.values(SECRETS)])
      expect(answer.text).not.toContain(secret);
  });
});

describe('bounds and names', () => {
  it('a body over 64 KB is 413 before any signature work; an unknown recipe is the documented 404', async () => {
    const { seen } = installFakeTwilio();
    const big = JSON.stringify({ pad: 'x'.repeat(64 * 1024) });
    const answer = await hook('stripe-failed-payment', big, { 'Stripe-Signature': await stripeSignature(big) });
    expect(answer.status).toBe(413);
    expect(answer.json.contextWrites.to).toBe('[HTTP 413] Refused by the gateway: The request body is over 64 KB');
    const none = await hook('nope', '{}', {});
    expect(none.status).toBe(404);
    expect(none.json.contextWrites.to).toBe('[HTTP 404] Unable to create record: No route for POST /hooks/nope');
    expect(seen).toHaveLength(0);
  });

  it('a form of many repeated names is read in one pass (getAll per name held n lists of n), answered as before', async () => {
    const { seen } = installFakeTwilio();
    const getAll = vi.spyOn(URLSearchParams.prototype, 'getAll');
    const body = `${Array(2000).fill('x').join('&')}&order=1`;
    const answer = await hook(
      'keyed',
      body,
      { 'Content-Type': 'application/x-www-form-urlencoded', 'X-API-Key': CALLER_KEY },
      { query: '?dryRun=1' },
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.missing).toEqual(['order.phone', 'order.id']);
    expect(answer.json.error.contextWrites.to).toBe(
      "[HTTP 400] Unable to create record: The recipe's eventId rendered empty",
    );
    // Each distinct name's values are gathered once, not once per repetition (2,000 calls before).
    expect(getAll.mock.calls.length).toBeLessThanOrEqual(2);
    expect(seen).toHaveLength(0);
  });

  it('a signed body that is not JSON is a 400', async () => {
    const body = 'not json';
    const answer = await hook('stripe-failed-payment', body, { 'Stripe-Signature': await stripeSignature(body) });
    expect(answer.status).toBe(400);
    expect(answer.json.contextWrites.to).toBe(
      '[HTTP 400] Unable to create record: The body is neither JSON nor a form',
    );
  });
});

describe('replays of a captured delivery (schemes that sign the body alone)', () => {
  it('github: the same signed body with fresh X-GitHub-Delivery ids sends once', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await githubEvent();
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await hook('github-deploy', body, { ...headers, 'X-GitHub-Delivery': crypto.randomUUID() }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.res.headers.get('Idempotent-Replayed'))).toEqual([null, 'true', 'true']);
    expect(seen).toHaveLength(1);
  });

  it('shopify: fresh or absent X-Shopify-Webhook-Id on the same signed body sends once', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ ...shopifyOrder, id: Date.now() });
    const signature = { 'X-Shopify-Hmac-Sha256': await shopifySignature(body) };
    for (const id of ['a', 'b', undefined, undefined])
      expect(
        (await hook('shopify-order', body, id ? { ...signature, 'X-Shopify-Webhook-Id': id } : signature)).status,
      ).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('twilio: the same signed form with fresh I-Twilio-Idempotency-Token values sends once', async () => {
    const { seen } = installFakeTwilio();
    const url = 'https://gateway.test/hooks/twilio-inbound';
    const form = { MessageSid: fresh('SM').slice(0, 34), From: '+14155550177', To: '+15005550006', Body: 'hi' };
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': await twilioFormSignature(url, form),
    };
    const body = new URLSearchParams(form).toString();
    for (const token of ['t1', 't2', crypto.randomUUID()])
      expect((await hook('twilio-inbound', body, { ...headers, 'I-Twilio-Idempotency-Token': token })).status).toBe(
        200,
      );
    expect(seen).toHaveLength(1);
  });

  it('the dry run names the body digest as the event id', async () => {
    const { body, headers } = await githubEvent();
    const dry = await hook('github-deploy', body, headers, { query: '?dryRun=1' });
    expect(dry.json.eventId).toBe(`sha256:${await sha256(body)}`);
  });
});

describe('event ids from a template', () => {
  const recipes = (eventId: string) => ({
    env: {
      RECIPES: JSON.stringify({
        k: {
          block: 'sendSms',
          eventId,
          fields: { from: '+15005550006', to: '+14155550100', body: 'Order {{order.id}}' },
        },
      }),
    },
  });
  const key = { 'X-API-Key': CALLER_KEY };

  it('any text (spaces, non-ASCII, long) is an event id: its SHA-256 keys the store', async () => {
    const { seen } = installFakeTwilio();
    for (const id of [`Order ${fresh('')}`, `é${fresh('')}`, `${'x'.repeat(300)}${fresh('')}`]) {
      const body = JSON.stringify({ order: { id } });
      const one = await hook('k', body, key, recipes('{{order.id}}'));
      const two = await hook('k', body, key, recipes('{{order.id}}'));
      expect(one.status, one.text).toBe(200);
      expect(two.res.headers.get('Idempotent-Replayed')).toBe('true');
    }
    expect(seen).toHaveLength(3);
  });

  it('one that renders empty is a 400, never an unkeyed send; the dry run reports it', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ order: {} });
    const refused = await hook('k', body, key, recipes('{{order.id}}'));
    expect(refused.status).toBe(400);
    expect(refused.json.contextWrites.to).toBe(
      "[HTTP 400] Unable to create record: The recipe's eventId rendered empty",
    );
    const dry = await hook('k', body, key, { ...recipes('{{order.id}}'), query: '?dryRun=1' });
    expect(dry.json).toMatchObject({ eventId: null, wouldSend: null });
    expect(dry.json.error.contextWrites.to).toBe(
      "[HTTP 400] Unable to create record: The recipe's eventId rendered empty",
    );
    expect(seen).toHaveLength(0);
  });
});

describe('a keyed recipe (no verify): the store is the caller’s', () => {
  const other = 'another-caller-key-0123456789abc';
  const keys = { env: { API_KEYS: `${CALLER_KEY},${other}` } };

  it('another caller reusing an event id sends its own message and never reads the first caller’s resource', async () => {
    const { seen } = installFakeTwilio();
    const id = fresh('ord_');
    const a = await hook(
      'keyed',
      JSON.stringify({ order: { id, phone: '+14155550100' } }),
      { 'X-API-Key': CALLER_KEY },
      keys,
    );
    const b = await hook(
      'keyed',
      JSON.stringify({ order: { id, phone: '+14155550199' } }),
      { 'X-API-Key': other },
      keys,
    );
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.res.headers.get('Idempotent-Replayed')).toBeNull();
    expect(b.json.contextWrites.to.to).toBe('+14155550199');
    expect(seen.map((s) => s.form.get('To'))).toEqual(['+14155550100', '+14155550199']);
  });

  it('the same caller, the same event id and another input: 422, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const id = fresh('ord_');
    expect(
      (await hook('keyed', JSON.stringify({ order: { id, phone: '+14155550100' } }), { 'X-API-Key': CALLER_KEY }))
        .status,
    ).toBe(200);
    const again = await hook('keyed', JSON.stringify({ order: { id, phone: '+14155550199' } }), {
      'X-API-Key': CALLER_KEY,
    });
    expect(again.status).toBe(422);
    expect(seen).toHaveLength(1);
  });
});

describe('a dry run of a signed recipe', () => {
  it('takes a valid caller key instead of the signature; a wrong key is 401', async () => {
    const { seen } = installFakeTwilio();
    const { body } = await stripeEvent();
    const dry = await hook('stripe-failed-payment', body, { 'X-API-Key': CALLER_KEY }, { query: '?dryRun=1' });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({ dryRun: true, matched: true, missing: [], error: null });
    expect(dry.json.input.to).toBe('+14155550123');
    const wrong = await hook(
      'stripe-failed-payment',
      body,
      { 'X-API-Key': 'not-the-key-0123456789' },
      { query: '?dryRun=1' },
    );
    expect(wrong.status).toBe(401);
    // A key is no signature for a real delivery.
    refusedSignature(await hook('stripe-failed-payment', body, { 'X-API-Key': CALLER_KEY }), 'stripe');
    expect(seen).toHaveLength(0);
  });
});

describe('GET /hooks', () => {
  const list = (headers: Record<string, string>, env: Record<string, string | undefined> = {}) =>
    app.request('/hooks', { headers }, hookEnv(env));

  it('lists each recipe’s name, block and scheme: no template, no secret name', async () => {
    const res = await list({ 'X-API-Key': CALLER_KEY });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      recipes: [
        { name: 'stripe-failed-payment', block: 'sendSms', verify: 'stripe' },
        { name: 'github-deploy', block: 'makeCall', verify: 'github' },
        { name: 'shopify-order', block: 'sendMms', verify: 'shopify' },
        { name: 'standard', block: 'sendSms', verify: 'standard' },
        { name: 'twilio-inbound', block: 'sendSms', verify: 'twilio' },
        { name: 'plain', block: 'sendSms', verify: 'header' },
        { name: 'keyed', block: 'sendSms', verify: null },
      ],
    });
    for (const hidden of ['STRIPE_WEBHOOK_SECRET', '{{', ...Object.values(SECRETS)]) expect(text).not.toContain(hidden);
  });

  it('needs a caller key, as a dry run does; a sandbox with no API_KEYS is open', async () => {
    expect((await list({})).status).toBe(401);
    expect((await list({ 'X-API-Key': 'not-the-key-0123456789' })).status).toBe(401);
    expect((await list({}, { API_KEYS: undefined, TWILIO_MODE: 'sandbox' })).status).toBe(200);
  });
});

describe('recipes in KV (RECIPES_KV), when RECIPES is unset', () => {
  const kvRecipes = {
    fromkv: { block: 'sendSms', fields: { from: '+15005550006', to: '+14155550100', body: 'from KV' } },
  };
  afterEach(async () => {
    await env.RECIPES_KV.delete('recipes');
  });
  /** A namespace of its own (the isolate keeps what it read per namespace for KV_CACHE_MS). */
  const namespace = () => ({ get: (key: string) => env.RECIPES_KV.get(key) }) as unknown as KVNamespace;
  const post = (name: string, kv: KVNamespace, recipes?: string) =>
    hook(
      name,
      '{}',
      { 'X-API-Key': CALLER_KEY },
      { query: '?dryRun=1', env: { RECIPES: recipes, RECIPES_KV: kv as never } },
    );

  it('are read from the key `recipes`, with the same schema and configuration errors', async () => {
    installFakeTwilio();
    await env.RECIPES_KV.put('recipes', JSON.stringify(kvRecipes));
    const dry = await post('fromkv', namespace());
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.input.body).toBe('from KV');
    // Through the Worker's own binding (wrangler.toml), as deployed.
    expect((await hook('fromkv', '{}', { 'X-API-Key': CALLER_KEY }, { env: { RECIPES: undefined } })).status).toBe(200);
    await env.RECIPES_KV.put('recipes', JSON.stringify({ x: { ...kvRecipes.fromkv, block: 'sendFax' } }));
    const broken = await post('x', namespace());
    expect(broken.status).toBe(500);
    expect(broken.json.contextWrites.to).toBe(
      'Gateway configuration error: invalid RECIPES: recipe x: block sendFax is unknown',
    );
  });

  it('RECIPES wins: while it is set, KV is not read', async () => {
    await env.RECIPES_KV.put('recipes', JSON.stringify(kvRecipes));
    const kv = namespace();
    const get = vi.spyOn(kv, 'get');
    expect((await post('fromkv', kv, JSON.stringify(RECIPES))).status).toBe(404);
    expect((await post('keyed', kv, JSON.stringify(RECIPES))).status).toBe(200);
    expect(get).not.toHaveBeenCalled();
  });

  it('are read again at most once a minute per isolate: a change is live within KV_CACHE_MS', async () => {
    await env.RECIPES_KV.put('recipes', JSON.stringify(kvRecipes));
    const kv = namespace();
    const get = vi.spyOn(kv, 'get');
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now);
    expect((await post('fromkv', kv)).json.input.body).toBe('from KV');
    await env.RECIPES_KV.put(
      'recipes',
      JSON.stringify({ fromkv: { ...kvRecipes.fromkv, fields: { ...kvRecipes.fromkv.fields, body: 'changed' } } }),
    );
    clock.mockReturnValue(now + KV_CACHE_MS - 1);
    expect((await post('fromkv', kv)).json.input.body).toBe('from KV');
    expect(get).toHaveBeenCalledTimes(1);
    clock.mockReturnValue(now + KV_CACHE_MS);
    expect((await post('fromkv', kv)).json.input.body).toBe('changed');
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('none in KV either: no recipes (the documented 404)', async () => {
    expect((await post('fromkv', namespace())).status).toBe(404);
  });
});
