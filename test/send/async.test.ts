/**
 * Asynchronous sends: `Prefer: respond-async` and recipes with HOOKS_ASYNC=true answer 202 with a record; the
 * queue consumer (src/queue.ts) sends through the IdempotencyStore, retries only a 429 (and a store that did not
 * answer) with jittered backoff, dead-letters what finally fails, and keeps the records free of secrets.
 * Messages are fed to the Worker's `queue` handler with createMessageBatch, and once through miniflare's queue.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import worker from '../../src/index';
import { BASE_DELAY_S, MAX_ATTEMPTS, type SendMessage } from '../../src/send/queue';
import { createdResponse, installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, CALLER_KEY, captureLogs, ENV_TOKEN, envWith, queueSpy, TOKEN } from '../helpers';
import { hook, hookEnv, stripeInvoiceFailed, stripeSignature } from '../recipes/fixtures';

afterEach(() => vi.restoreAllMocks());

const SMS = { from: '+15005550006', to: '+14155550100', body: 'Your order shipped' };
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

/** A block POST with Prefer: respond-async (the suite's caller key), its messages caught by a spy queue. */
async function postAsync(
  body: unknown = SMS,
  headers: Record<string, string> = {},
  overrides: Record<string, unknown> = {},
) {
  const { sent, queue } = queueSpy();
  const res = await app.request(
    '/api/Twilio/sendSms',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY, Prefer: 'respond-async', ...headers },
      body: JSON.stringify(body),
    },
    { ...envWith(), SENDS: queue, ...overrides } as Env,
  );
  return { status: res.status, json: (await res.json()) as Record<string, any>, res, sent };
}

/**
 * Delivers messages to the Worker's queue handler; answers its ack/retry state, with the delay of each retry
 * (`delays`: the pool's result does not keep them, so `retry` is watched).
 */
async function deliver(messages: SendMessage[], attempts = 1, bindings: Partial<Env> = {}) {
  const batch = createMessageBatch<SendMessage>(
    'twilio-gateway-sends',
    messages.map((body, i) => ({ id: `msg-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })),
  );
  const retries = batch.messages.map((message) => vi.spyOn(message, 'retry'));
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...bindings } as Env);
  const delays = retries.flatMap((spy) => spy.mock.calls.map(([options]) => options?.delaySeconds));
  return { ...(await getQueueResult(batch, ctx)), delays };
}

/** GET /api/Twilio/requests/{id} with the suite's caller key (or `key`). */
async function record(id: string, key = CALLER_KEY, overrides: Record<string, string | undefined> = {}) {
  const res = await app.request(`/api/Twilio/requests/${id}`, { headers: { 'X-API-Key': key } }, envWith(overrides));
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('Prefer: respond-async on a block route', () => {
  it('answers 202 at once with the pending record and its Location; the consumer sends; the record is done', async () => {
    const { seen } = installFakeTwilio();
    const answer = await postAsync();
    expect(answer.status).toBe(202);
    const { id } = answer.json;
    expect(id).toMatch(UUID);
    expect(answer.res.headers.get('Location')).toBe(`/api/Twilio/requests/${id}`);
    expect(answer.res.headers.get('Preference-Applied')).toBe('respond-async');
    expect(answer.json).toEqual({
      id,
      status: 'pending',
      block: 'sendSms',
      created: expect.any(String),
      updated: expect.any(String),
      attempts: 0,
    });
    expect(seen).toHaveLength(0);
    expect((await record(id)).json).toMatchObject({ id, status: 'pending', attempts: 0 });

    const result = await deliver(answer.sent);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(Object.fromEntries(seen[0]!.form)).toEqual({
      To: '+14155550100',
      From: '+15005550006',
      Body: 'Your order shipped',
    });
    const done = await record(id);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ id, status: 'done', block: 'sendSms', attempts: 1 });
    expect(done.json.result.callback).toBe('success');
    expect(done.json.result.contextWrites.to.sid).toMatch(/^SM/);
    expect(done.json).not.toHaveProperty('lastError');
  });

  it('through miniflare’s queue: the Worker consumes it and the record turns done', async () => {
    const { seen } = installFakeTwilio();
    const res = await app.request(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY, Prefer: 'respond-async' },
        body: JSON.stringify(SMS),
      },
      envWith(),
    );
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    let seenRecord: Record<string, any> = {};
    for (let i = 0; i < 100 && seenRecord.status !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seenRecord = (await record(id)).json;
    }
    expect(seenRecord).toMatchObject({ status: 'done', attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it('refuses at once what a sync send refuses before sending: no key, a destination, a bad body', async () => {
    const { seen } = installFakeTwilio();
    const noKey = await postAsync(SMS, { 'X-API-Key': '' });
    expect(noKey.status).toBe(401);
    const abroad = await postAsync({ ...SMS, to: '+4930123456' }, {}, { ALLOWED_DESTINATIONS: '+1' });
    expect(abroad.status).toBe(403);
    const bad = await postAsync({ ...SMS, statusCallBack: 'https://x.test' });
    expect(bad.status).toBe(400);
    expect(noKey.sent.length + abroad.sent.length + bad.sent.length).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('without the queue binding: 501', async () => {
    const res = await app.request(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY, Prefer: 'respond-async' },
        body: JSON.stringify(SMS),
      },
      { ...envWith(), SENDS: undefined } as unknown as Env,
    );
    expect(res.status).toBe(501);
    const body = (await res.json()) as any;
    expect(body.contextWrites.to).toBe(
      '[HTTP 501] Refused by the gateway: Asynchronous sends need the SENDS and REQUESTS bindings',
    );
    expect(body.error.hint).toMatch(/^Deploy with wrangler.toml's SENDS queue and REQUESTS binding/);
  });
});

describe('the consumer retries only what is safe', () => {
  it('a 429: retried later with jittered backoff, the record pending with its last error; then done', async () => {
    let busy = true;
    const { seen } = installFakeTwilio((s) =>
      busy ? twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }) : createdResponse(s),
    );
    const answer = await postAsync();
    const first = await deliver(answer.sent, 1);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toHaveLength(1);
    const [delay = 0] = first.delays;
    expect(delay).toBeGreaterThanOrEqual(BASE_DELAY_S / 2);
    expect(delay).toBeLessThanOrEqual(BASE_DELAY_S);
    const pending = await record(answer.json.id);
    expect(pending.json).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: '[HTTP 429] Unable to create record: Too Many Requests',
    });
    const tries = seen.length;

    busy = false;
    const second = await deliver(answer.sent, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(seen).toHaveLength(tries + 1);
    expect((await record(answer.json.id)).json).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('the backoff doubles with each attempt, jittered between half and all of it', async () => {
    installFakeTwilio(() => twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }));
    const answer = await postAsync();
    for (let attempts = 1; attempts < MAX_ATTEMPTS; attempts++) {
      const { retryMessages, delays } = await deliver(answer.sent, attempts);
      const span = BASE_DELAY_S * 2 ** (attempts - 1);
      expect(retryMessages).toHaveLength(1);
      expect(delays[0]).toBeGreaterThanOrEqual(span / 2);
      expect(delays[0]).toBeLessThanOrEqual(span);
    }
  });

  it('the last attempt’s 429: failed, recorded with its last error, dead-lettered', async () => {
    installFakeTwilio(() => twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }));
    const answer = await postAsync();
    const dlq = queueSpy();
    const result = await deliver(answer.sent, MAX_ATTEMPTS, { SENDS_DLQ: dlq.queue });
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(dlq.sent).toHaveLength(1);
    expect(dlq.sent[0]).toMatchObject({
      id: answer.json.id,
      lastError: '[HTTP 429] Unable to create record: Too Many Requests',
    });
    const failed = await record(answer.json.id);
    expect(failed.json).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      lastError: '[HTTP 429] Unable to create record: Too Many Requests',
      result: { callback: 'error', error: { status: 429, code: 20429, retryable: true, source: 'twilio' } },
    });
  });

  it('a Twilio refusal, or an outcome in doubt (5xx, a network error): failed at once, never retried', async () => {
    for (const [answerOf, text] of [
      [
        () => twilioErrorResponse(400, 21211, "The 'To' number is not a valid phone number."),
        "[HTTP 400] Unable to create record: The 'To' number is not a valid phone number.",
      ],
      [
        () => twilioErrorResponse(503, 20503, 'Service unavailable'),
        '[HTTP 503] Unable to create record: Service unavailable',
      ],
      [
        () => {
          throw new TypeError('Network connection lost');
        },
        '[HTTP 502] Unable to create record: Twilio could not be reached',
      ],
    ] as const) {
      const { seen } = installFakeTwilio(answerOf);
      const answer = await postAsync();
      const dlq = queueSpy();
      const result = await deliver(answer.sent, 1, { SENDS_DLQ: dlq.queue });
      expect(result.retryMessages).toEqual([]);
      expect(seen).toHaveLength(1);
      expect(dlq.sent).toHaveLength(1);
      expect((await record(answer.json.id)).json).toMatchObject({ status: 'failed', attempts: 1, lastError: text });
      // Delivered again anyway (queues deliver at least once): the store replays, nothing is sent.
      await deliver(answer.sent, 1, { SENDS_DLQ: dlq.queue });
      expect(seen).toHaveLength(1);
      vi.restoreAllMocks();
    }
  });

  it('a store that did not answer is retried (it keeps whatever it did, so asking again never sends twice)', async () => {
    const { seen } = installFakeTwilio();
    const answer = await postAsync();
    const broken = {
      idFromName: (name: string) => env.IDEMPOTENCY.idFromName(name),
      get: () => ({
        once: async () => {
          throw new Error('Durable Object reset');
        },
      }),
    } as unknown as Env['IDEMPOTENCY'];
    const result = await deliver(answer.sent, 1, { IDEMPOTENCY: broken });
    expect(result.retryMessages).toHaveLength(1);
    expect((await record(answer.json.id)).json).toMatchObject({
      status: 'pending',
      lastError: '[HTTP 503] Refused by the gateway: The idempotency store did not answer',
    });
    expect((await deliver(answer.sent, 2)).explicitAcks).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it('a message delivered twice, and an Idempotency-Key used sync then async: one send', async () => {
    const { seen } = installFakeTwilio();
    const answer = await postAsync();
    await deliver([...answer.sent, ...answer.sent]);
    expect(seen).toHaveLength(1);

    const key = `order-${crypto.randomUUID()}`;
    const sync = await app.request(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY, 'Idempotency-Key': key },
        body: JSON.stringify(SMS),
      },
      envWith(),
    );
    expect(sync.status).toBe(200);
    const later = await postAsync(SMS, { 'Idempotency-Key': key });
    await deliver(later.sent);
    expect(seen).toHaveLength(2);
    expect((await record(later.json.id)).json.result).toEqual(JSON.parse(await sync.text()));
  });
});

describe('the records', () => {
  it('hold no secret: the request’s own token travels in the queue message only', async () => {
    installFakeTwilio();
    const logs = captureLogs();
    const answer = await postAsync({ ...SMS, accountSid: ACCOUNT, accountToken: TOKEN });
    expect(answer.status).toBe(202);
    expect(answer.sent[0]!.input.accountToken).toBe(TOKEN);
    await deliver(answer.sent);
    const stub = env.REQUESTS.get(env.REQUESTS.idFromName(answer.json.id));
    const stored = JSON.stringify(
      await runInDurableObject(stub, async (_, state) => [...(await state.storage.list()).entries()]),
    );
    expect(stored).toContain('"status":"done"');
    const shown = JSON.stringify((await record(answer.json.id)).json);
    for (const secret of [TOKEN, ENV_TOKEN, btoa(`${ACCOUNT}:${TOKEN}`)]) {
      expect(stored).not.toContain(secret);
      expect(shown).not.toContain(secret);
      expect(logs.join('\n')).not.toContain(secret);
    }
  });

  it('one a key made is shown to that key only; an unknown or malformed id is the documented 404', async () => {
    installFakeTwilio();
    const other = `another-caller-key-${crypto.randomUUID()}`;
    const keys = { API_KEYS: `${CALLER_KEY},${other}` };
    const answer = await postAsync(SMS, {}, keys);
    expect((await record(answer.json.id, CALLER_KEY, keys)).status).toBe(200);
    const theirs = await record(answer.json.id, other, keys);
    expect(theirs.status).toBe(404);
    expect(theirs.json.contextWrites.to).toBe(
      `[HTTP 404] Unable to create record: No route for GET /api/Twilio/requests/${answer.json.id}`,
    );
    expect((await record(crypto.randomUUID())).status).toBe(404);
    expect((await record('../../etc')).status).toBe(404);
    expect((await record(answer.json.id, 'a-wrong-key-0123456789')).status).toBe(401);
  });
});

/** A block POST with Prefer: respond-async and no caller key, bringing its own account. */
async function postOwnAccount() {
  const { sent, queue } = queueSpy();
  const res = await app.request(
    '/api/Twilio/sendSms',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ ...SMS, accountSid: ACCOUNT, accountToken: TOKEN }),
    },
    { ...envWith(), SENDS: queue } as Env,
  );
  return { status: res.status, json: (await res.json()) as Record<string, any>, sent };
}

describe('the dead letter', () => {
  it('carries the request id, the block and the last error: never the input (a request’s own token is in it)', async () => {
    installFakeTwilio(() => twilioErrorResponse(400, 21211, "The 'To' number is not a valid phone number."));
    const answer = await postOwnAccount();
    expect(answer.status).toBe(202);
    expect(answer.sent[0]!.input.accountToken).toBe(TOKEN);
    const dlq = queueSpy();
    await deliver(answer.sent, 1, { SENDS_DLQ: dlq.queue });
    expect(dlq.sent).toEqual([
      {
        id: answer.json.id,
        block: 'sendSms',
        lastError: "[HTTP 400] Unable to create record: The 'To' number is not a valid phone number.",
      },
    ]);
    expect(JSON.stringify(dlq.sent)).not.toContain(TOKEN);
  });
});

describe('who may read a record', () => {
  it('one made without a caller key: whoever holds its id (a random v4 UUID: the id is the capability)', async () => {
    installFakeTwilio();
    const answer = await postOwnAccount();
    expect(answer.status).toBe(202);
    const { id } = answer.json;
    expect(id).toMatch(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
    await deliver(answer.sent);
    // Anyone with the id (another key, or none on a Worker without keys) reads it, with the resource it created.
    const other = `another-caller-key-${crypto.randomUUID()}`;
    const read = await record(id, other, { API_KEYS: `${CALLER_KEY},${other}` });
    expect(read.status).toBe(200);
    expect(read.json.result.contextWrites.to).toMatchObject({ to: SMS.to, from: SMS.from, body: SMS.body });
    expect(JSON.stringify(read.json)).not.toContain(TOKEN);
  });
});

describe('reading records', () => {
  it('has a rate-limit budget of its own: polling does not use up the sends', async () => {
    installFakeTwilio();
    const key = `poller-key-${crypto.randomUUID()}`;
    const strict = {
      ...envWith({ API_KEYS: key }),
      RATE_LIMITER: (env as Env & { STRICT_LIMITER: RateLimit }).STRICT_LIMITER,
    };
    const ask = (path: string, init: RequestInit = {}) =>
      app.request(path, { ...init, headers: { 'X-API-Key': key, ...init.headers } }, strict as Env);
    const id = crypto.randomUUID();
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await ask(`/api/Twilio/requests/${id}`)).status);
    expect(statuses.slice(0, 100).every((status) => status === 404)).toBe(true);
    expect(statuses[100]).toBe(429);
    const sent = await ask('/api/Twilio/sendSms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(SMS),
    });
    expect(sent.status).toBe(200);
  });
});

describe('recipes with HOOKS_ASYNC=true', () => {
  it('answer 202 with a record; a retried webhook (same event id) never sends twice', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ ...stripeInvoiceFailed, id: `evt_${crypto.randomUUID()}` });
    const { sent, queue } = queueSpy();
    const asyncEnv = { HOOKS_ASYNC: 'true' };
    const post = async () => {
      const res = await app.request(
        'https://gateway.test/hooks/stripe-failed-payment',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': await stripeSignature(body) },
          body,
        },
        { ...hookEnv(asyncEnv), SENDS: queue } as Env,
      );
      return {
        status: res.status,
        json: (await res.json()) as Record<string, any>,
        location: res.headers.get('Location'),
      };
    };
    const one = await post();
    const two = await post();
    expect(one.status).toBe(202);
    expect(one.location).toBe(`/api/Twilio/requests/${one.json.id}`);
    expect(two.json.id).not.toBe(one.json.id);
    expect(sent).toHaveLength(2);
    await deliver(sent);
    expect(seen).toHaveLength(1);
    // Anyone with the id may read a recipe's record (no caller key made it).
    for (const { json } of [one, two]) {
      expect((await record(json.id, 'a-wrong-key', { API_KEYS: undefined })).json).toMatchObject({ status: 'done' });
    }
    // The dry run says it would go async.
    const dry = await hook(
      'stripe-failed-payment',
      body,
      { 'Stripe-Signature': await stripeSignature(body) },
      {
        query: '?dryRun=1',
        env: asyncEnv,
      },
    );
    expect(dry.json).toMatchObject({ async: true, matched: true });
  });
});

describe('TRACK_STATUS on an asynchronous send', () => {
  it("the consumer's send gives Twilio the gateway's receiver, with the caller's statusCallback to forward to", async () => {
    const tracking = {
      TRACK_STATUS: 'true',
      PUBLIC_URL: 'https://gw.example.com',
      WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    };
    const { seen } = installFakeTwilio();
    const caller = 'https://app.example.com/twilio/updates?order=7';
    const answer = await postAsync({ ...SMS, statusCallback: caller }, {}, tracking);
    expect(answer.status).toBe(202);

    const result = await deliver(answer.sent, 1, tracking as Partial<Env>);
    expect(result.explicitAcks).toHaveLength(1);
    expect(seen).toHaveLength(1);
    const callback = new URL(seen[0]!.form.get('StatusCallback') ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe('https://gw.example.com/twilio/status');
    expect(callback.searchParams.get('cid')).toMatch(UUID);
    expect(callback.searchParams.get('forward')).toBe(caller);
  });
});
