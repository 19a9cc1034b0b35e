import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../src/http/app';
import { callingCode } from '../src/metrics';
import { consume, type SendMessage } from '../src/send/queue';
import { installFakeTwilio, twilioErrorResponse } from './fake-twilio';
import { CALLER_KEY, envWith } from './helpers';
import { messageFields, messageSid, postCallback } from './status/helpers';

/** A fake Analytics Engine dataset: it records every data point written. */
function fakeDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, dataset: { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point ?? {}) } };
}

/** A data point as metrics.ts lays it out, named. */
const named = (p: AnalyticsEngineDataPoint) => {
  const [event, block, outcome, code, source, country, caller] = p.blobs ?? [];
  const [twilioMs, status] = p.doubles ?? [];
  return { index: p.indexes?.[0], event, block, outcome, code, source, country, caller, twilioMs, status };
};

/** The suite's caller key's id: `key:` and 12 hex digits of its SHA-256. */
async function keyId() {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(CALLER_KEY));
  return `key:${[...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 12)}`;
}

const SMS = { from: '+15005550006', to: '+447700900123', body: 'hi' };

/** A request through the real app with the fake dataset as METRICS. */
async function request(path: string, init: RequestInit, dataset: unknown, overrides: Record<string, string> = {}) {
  const env = { ...envWith(overrides), METRICS: dataset } as Env;
  return app.request(path, init, env);
}

const postSms = (dataset: unknown, headers: Record<string, string> = { 'X-API-Key': CALLER_KEY }, body = SMS) =>
  request(
    '/api/Twilio/sendSms',
    { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) },
    dataset,
  );

afterEach(() => vi.restoreAllMocks());

describe('metrics: one Analytics Engine data point per send, callback, reconciliation fetch and refusal', () => {
  it("a send writes its block, outcome, Twilio's time, the destination's calling code and the key's id, never the key", async () => {
    installFakeTwilio();
    const { points, dataset } = fakeDataset();
    expect((await postSms(dataset)).status).toBe(200);
    expect(points).toHaveLength(1);
    const point = named(points[0] as AnalyticsEngineDataPoint);
    expect(point).toEqual({
      index: await keyId(),
      event: 'send',
      block: 'sendSms',
      outcome: 'ok',
      code: '',
      source: '',
      country: '+44',
      caller: await keyId(),
      twilioMs: expect.any(Number),
      status: 200,
    });
    expect(point.twilioMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(points)).not.toContain(CALLER_KEY);
  });

  it("Twilio's refusal is a send with outcome error and Twilio's code", async () => {
    installFakeTwilio(() =>
      twilioErrorResponse(400, 21211, "The 'To' number +447700900123 is not a valid phone number."),
    );
    const { points, dataset } = fakeDataset();
    expect((await postSms(dataset)).status).toBe(400);
    expect(points.map(named)).toEqual([
      expect.objectContaining({
        event: 'send',
        block: 'sendSms',
        outcome: 'error',
        code: '21211',
        source: 'twilio',
        status: 400,
      }),
    ]);
  });

  it('a wrong key, a bad body and a body over the limit are refusals, by reason, with nothing sent to Twilio', async () => {
    const { seen } = installFakeTwilio();
    const { points, dataset } = fakeDataset();
    await postSms(dataset, { 'X-API-Key': 'a-wrong-key-that-is-long-enough' });
    await postSms(dataset, { 'X-API-Key': CALLER_KEY }, { from: SMS.from, to: SMS.to } as typeof SMS);
    await request(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY },
        body: 'x'.repeat(70_000),
      },
      dataset,
    );
    expect(seen).toEqual([]);
    expect(points.map(named)).toEqual([
      expect.objectContaining({ event: 'refusal', block: 'sendSms', outcome: 'unauthorized', code: '401', caller: '' }),
      expect.objectContaining({ event: 'refusal', block: 'sendSms', outcome: 'invalid', code: '21602', status: 400 }),
      expect.objectContaining({ event: 'refusal', block: 'sendSms', outcome: 'too-large', status: 413, twilioMs: 0 }),
    ]);
  });

  it('with ERROR_STATUS=always-200 a refusal still counts with its own status', async () => {
    const { points, dataset } = fakeDataset();
    const res = await request(
      '/api/Twilio/sendSms',
      { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY }, body: '{}' },
      dataset,
      { ERROR_STATUS: 'always-200' },
    );
    expect(res.status).toBe(200);
    expect(points.map(named)).toEqual([expect.objectContaining({ event: 'refusal', status: 400, outcome: 'invalid' })]);
  });

  it('a status callback writes the status it brought, and a repeat of it counts as duplicate', async () => {
    const { points, dataset } = fakeDataset();
    const sid = messageSid();
    const env = { METRICS: dataset } as unknown as Record<string, string>;
    await postCallback(messageFields(sid, 'delivered'), { env, idempotency: 'same-token' });
    await postCallback(messageFields(sid, 'delivered'), { env, idempotency: 'same-token' });
    expect(points.map(named)).toEqual([
      expect.objectContaining({
        event: 'callback',
        block: 'message.status',
        outcome: 'delivered',
        country: '+1',
        status: 200,
      }),
      expect.objectContaining({ event: 'callback', block: 'message.status', outcome: 'duplicate' }),
    ]);
  });

  it("an asynchronous send writes accepted for its 202, and the queue consumer's send writes its outcome", async () => {
    installFakeTwilio();
    const { points, dataset } = fakeDataset();
    const res = await postSms(dataset, { 'X-API-Key': CALLER_KEY, Prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const message: SendMessage = {
      id: crypto.randomUUID(),
      block: 'sendSms',
      input: SMS,
      caller: { kind: 'key', id: await keyId() },
      callbacks: false,
      store: `request:${crypto.randomUUID()}`,
      fingerprint: 'f',
    };
    const batch = createMessageBatch<SendMessage>('twilio-gateway-sends', [
      { id: '1', timestamp: new Date(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await consume(batch, { ...envWith(), METRICS: dataset } as unknown as Env);
    await getQueueResult(batch, ctx);
    expect(points.map(named)).toEqual([
      expect.objectContaining({ event: 'send', block: 'sendSms', outcome: 'accepted', status: 202 }),
      expect.objectContaining({
        event: 'send',
        block: 'sendSms',
        outcome: 'ok',
        country: '+44',
        caller: await keyId(),
      }),
    ]);
  });

  it('without the METRICS binding nothing is written, and a dataset that throws never fails the send', async () => {
    installFakeTwilio();
    expect((await postSms(undefined)).status).toBe(200);
    const throwing = {
      writeDataPoint: () => {
        throw new Error('dataset down');
      },
    };
    expect((await postSms(throwing)).status).toBe(200);
  });
});

describe('the destination calling code, from an E.164 number', () => {
  it.each([
    ['+14155550100', '+1'],
    ['+447700900123', '+44'],
    ['+79161234567', '+7'],
    ['+971501234567', '+971'],
    ['+353861234567', '+353'],
    ['whatsapp:+5511912345678', '+55'],
    ['client:alice', ''],
    ['sip:bob@example.com', ''],
    ['12345', ''],
    [undefined, ''],
  ])('%s is %s', (to, code) => {
    expect(callingCode(to)).toBe(code);
  });
});
