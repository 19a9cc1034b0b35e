/**
 * Exactly-once sends: an Idempotency-Key makes a send happen once per caller and key, in a Durable Object
 * (src/idempotency.ts), whatever the retries, the concurrency or the outcome.
 */

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { fingerprint, storeName } from '../../src/send/idempotency';
import { createdResponse, installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, ENV_TOKEN, envWith, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

// Fresh keys per test: each has its own rate-limit budget (100 per minute).
let KEY = '';
let OTHER_KEY = '';
beforeEach(() => {
  KEY = `caller-key-${crypto.randomUUID()}`;
  OTHER_KEY = `caller-key-${crypto.randomUUID()}`;
});
const SMS = { from: '+15005550006', to: '+14155550100', body: 'Your order shipped' };

/** A keyed sendSms with an Idempotency-Key, through the real app. */
async function sendOnce(idem: string, body: unknown = SMS, overrides: Record<string, string> = {}, key = KEY) {
  const res = await app.request(
    '/api/Twilio/sendSms',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': key, 'Idempotency-Key': idem },
      body: JSON.stringify(body),
    },
    envWith({ API_KEYS: `${KEY},${OTHER_KEY}`, ...overrides }),
  );
  return { status: res.status, text: await res.text(), replayed: res.headers.get('Idempotent-Replayed') };
}

const fresh = () => `order-${crypto.randomUUID()}`;

describe('Idempotency-Key', () => {
  it('the first request sends; a retry gets the same status and body, marked Idempotent-Replayed', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    const first = await sendOnce(idem);
    const again = await sendOnce(idem);
    expect(first.status).toBe(200);
    expect(first.replayed).toBeNull();
    // The mark is set with c.header() before the success envelope is made: success() keeps it.
    expect(JSON.parse(again.text).callback).toBe('success');
    expect(again).toEqual({ ...first, replayed: 'true' });
    expect(seen).toHaveLength(1);
  });

  it('100 concurrent identical requests with one key: exactly 1 Twilio call and 100 identical answers', async () => {
    // Twilio answers after a moment, so that the duplicates arrive while the first is in flight.
    const { seen } = installFakeTwilio(async (s) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return createdResponse(s);
    });
    const idem = fresh();
    const answers = await Promise.all(Array.from({ length: 100 }, () => sendOnce(idem)));
    expect(seen).toHaveLength(1);
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
    expect(answers[0]?.status).toBe(200);
    expect(answers.filter((a) => a.replayed === null)).toHaveLength(1);
  });

  it('the same key with a different body is a 422, and nothing is sent', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    await sendOnce(idem);
    const other = await sendOnce(idem, { ...SMS, body: 'A different text' });
    expect(other.status).toBe(422);
    expect(other.replayed).toBeNull();
    expect(JSON.parse(other.text)).toMatchObject({
      contextWrites: {
        to: '[HTTP 422] Refused by the gateway: This Idempotency-Key was already used with a different request',
      },
      error: { source: 'gateway' },
    });
    expect(seen).toHaveLength(1);
  });

  it('keys are scoped per caller: two callers with the same key send twice', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    expect((await sendOnce(idem, SMS, {}, KEY)).replayed).toBeNull();
    expect((await sendOnce(idem, SMS, {}, OTHER_KEY)).replayed).toBeNull();
    expect(seen).toHaveLength(2);
  });

  it('an outcome in doubt (a timeout) is stored as such: replayed, never sent again', async () => {
    const { seen } = installFakeTwilio(() => new Promise<Response>(() => {}));
    const idem = fresh();
    const first = await sendOnce(idem, SMS, { TWILIO_TIMEOUT_MS: '50' });
    expect(first.status).toBe(504);
    expect(JSON.parse(first.text).error.retryable).toBe(false);
    const again = await sendOnce(idem, SMS, { TWILIO_TIMEOUT_MS: '50' });
    expect(again).toEqual({ ...first, replayed: 'true' });
    expect(seen).toHaveLength(1);
  });

  it('a Twilio refusal is final and replayed; a 429 is not kept, so a retry may send', async () => {
    const refused = installFakeTwilio(() =>
      twilioErrorResponse(400, 21614, "'To' number is not a valid mobile number"),
    );
    const idem = fresh();
    const first = await sendOnce(idem);
    expect(first.status).toBe(400);
    expect((await sendOnce(idem)).replayed).toBe('true');
    expect(refused.seen).toHaveLength(1);
    vi.restoreAllMocks();

    const busy = installFakeTwilio((s, attempt) =>
      attempt <= 4 ? twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }) : createdResponse(s),
    );
    const key = fresh();
    expect((await sendOnce(key)).status).toBe(429);
    const retry = await sendOnce(key);
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBeNull();
    expect(busy.seen).toHaveLength(5);
  });

  it('a refusal before anything is sent (the destination guard) is not kept either', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    const to = { ...SMS, to: '+4930123456' };
    expect((await sendOnce(idem, to, { ALLOWED_DESTINATIONS: '+1' })).status).toBe(403);
    expect((await sendOnce(idem, to)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('an anonymous caller of an open Worker is scoped by its IP: another IP cannot replay its answer', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    const anonymous = async (ip: string) => {
      const res = await app.request(
        '/api/Twilio/sendSms',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idem, 'CF-Connecting-IP': ip },
          body: JSON.stringify(SMS),
        },
        envWith({ API_KEYS: '', ALLOW_ANONYMOUS: 'true' }),
      );
      return { status: res.status, replayed: res.headers.get('Idempotent-Replayed') };
    };
    expect(await anonymous('203.0.113.1')).toEqual({ status: 200, replayed: null });
    expect(await anonymous('203.0.113.1')).toEqual({ status: 200, replayed: 'true' });
    expect(await anonymous('203.0.113.2')).toEqual({ status: 200, replayed: null });
    expect(seen).toHaveLength(2);
  });

  it('an account’s keys cannot be squatted with its SID alone: a wrong token leaves the real sender’s key free', async () => {
    const refusing = installFakeTwilio((s) =>
      s.headers.authorization === `Basic ${btoa(`${ACCOUNT}:${TOKEN}`)}`
        ? createdResponse(s)
        : twilioErrorResponse(401, 20003, 'Authenticate'),
    );
    const idem = fresh();
    // Callers without a key, each bringing an account: the attacker knows the SID, not the token.
    const own = async (accountToken: string) => {
      const res = await app.request(
        '/api/Twilio/sendSms',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idem },
          body: JSON.stringify({ ...SMS, accountSid: ACCOUNT, accountToken }),
        },
        envWith({ API_KEYS: KEY }),
      );
      return { status: res.status, replayed: res.headers.get('Idempotent-Replayed') };
    };
    expect((await own('guessed')).status).toBe(401);
    expect(await own(TOKEN)).toEqual({ status: 200, replayed: null });
    expect(refusing.seen).toHaveLength(2);
  });

  it('a request refused for want of a key leaves no store behind', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    const res = await app.request(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idem },
        body: JSON.stringify(SMS),
      },
      envWith({ API_KEYS: KEY }),
    );
    expect(res.status).toBe(401);
    const anonymousStore = env.IDEMPOTENCY.get(
      env.IDEMPOTENCY.idFromName(await storeName({ kind: 'anonymous', ip: 'unknown' }, SMS, idem)),
    );
    expect(await runInDurableObject(anonymousStore, (_, state) => state.storage.getAlarm())).toBeNull();
    expect(await runInDurableObject(anonymousStore, async (_, state) => (await state.storage.list()).size)).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('a malformed key is a 400', async () => {
    const { seen } = installFakeTwilio();
    const answer = await sendOnce('x'.repeat(256));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).contextWrites.to).toBe(
      '[HTTP 400] Refused by the gateway: Idempotency-Key must be 1 to 255 printable ASCII characters',
    );
    expect(seen).toHaveLength(0);
  });
});

describe('the store', () => {
  const stub = (idem: string, caller: { kind: 'key'; id: string }, input: Record<string, string>) =>
    storeName(caller, input, idem).then((name) => env.IDEMPOTENCY.get(env.IDEMPOTENCY.idFromName(name)));

  it('holds no secret, and is wiped by its alarm 24 h on, after which the key sends again', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    const own = { ...SMS, accountSid: ACCOUNT, accountToken: TOKEN };
    expect((await sendOnce(idem, own)).status).toBe(200);
    const store = await stub(idem, await keyCaller(KEY), own);
    const found = await runInDurableObject(store, async (_, state) => [...(await state.storage.list()).entries()]);
    expect(found).toHaveLength(1);
    const stored = JSON.stringify(found);
    for (const secret of [TOKEN, ENV_TOKEN, btoa(`${ACCOUNT}:${TOKEN}`)]) expect(stored).not.toContain(secret);
    expect(stored).toContain('"sid":"SM');

    const alarm = await runInDurableObject(store, (_, state) => state.storage.getAlarm());
    expect(alarm! - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect(await runDurableObjectAlarm(store)).toBe(true);
    expect(await runInDurableObject(store, async (_, state) => (await state.storage.list()).size)).toBe(0);
    expect((await sendOnce(idem, own)).replayed).toBeNull();
    expect(seen).toHaveLength(2);
  });

  it('a send started by an instance that was lost is in doubt: answered 409, never sent', async () => {
    const { seen } = installFakeTwilio();
    const idem = fresh();
    const store = await stub(idem, await keyCaller(KEY), SMS);
    const print = await fingerprint('sendSms', SMS);
    await runInDurableObject(store, (_, state) => state.storage.put('entry', { fingerprint: print }));
    await evictDurableObject(store);
    const answer = await sendOnce(idem);
    expect(answer.status).toBe(409);
    expect(JSON.parse(answer.text).contextWrites.to).toBe(
      '[HTTP 409] Refused by the gateway: A request with this Idempotency-Key was started and its outcome is unknown; it is not sent again',
    );
    expect(seen).toHaveLength(0);
  });
});

/** The caller a key authenticates as (its id is a prefix of the key's SHA-256). */
async function keyCaller(key: string) {
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  return { kind: 'key' as const, id: `key:${digest.slice(0, 12)}` };
}
