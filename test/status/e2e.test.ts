import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { verifySignature } from '../../src/recipes/verify';
import { CALLER_KEY, envWith } from '../helpers';
import { GATEWAY, historyFor } from './helpers';

/** The Worker's WEBHOOK_SECRETS in the tests (vitest.config.ts). */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOOK = 'https://hooks.example.com/updates';

/** Sandbox mode with tracking: the emulator's clock runs fast, and its callbacks go to the gateway's receiver. */
const ENV = envWith({
  TWILIO_MODE: 'sandbox',
  SANDBOX_CALLBACKS: 'true',
  SANDBOX_SPEED: '1000000',
  TRACK_STATUS: 'true',
  PUBLIC_URL: GATEWAY,
});

interface Caught {
  url: string;
  headers: Headers;
  body: string;
}

/**
 * The network of this test: the sandbox's callbacks to the gateway's public URL are served by the Worker itself
 * (its receiver); what goes to the caller's URL is caught. Every piece of work left for later (the sandbox's
 * deliveries, the receiver's forwards) is collected in `pending`.
 */
function network() {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
  const callbacks: URLSearchParams[] = [];
  const forwards: Caught[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.url.startsWith(`${GATEWAY}/`)) {
      callbacks.push(new URLSearchParams(new TextDecoder().decode(await request.clone().arrayBuffer())));
      return app.request(request, undefined, ENV, ctx as unknown as ExecutionContext);
    }
    forwards.push({ url: request.url, headers: request.headers, body: await request.text() });
    return new Response(null, { status: 204 });
  });
  /** Waits for all the work, including the work that work leaves. */
  const settle = async () => {
    for (let done = 0; done < pending.length; ) {
      const now = pending.length;
      await Promise.all(pending.slice(done));
      done = now;
    }
  };
  return { ctx, callbacks, forwards, settle };
}

const call = (path: string, init: RequestInit, ctx: unknown) =>
  app.request(
    path,
    { ...init, headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY, ...init.headers } },
    ENV,
    ctx as ExecutionContext,
  );

afterEach(() => vi.restoreAllMocks());

describe('end to end: a tracked send in sandbox mode', () => {
  it("the sandbox's callbacks reach the receiver, getMessage shows delivered with its timeline, the caller got signed updates in order", async () => {
    const net = network();
    const sent = await call(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        body: JSON.stringify({ from: '+15005550006', to: '+14155550100', body: 'hi', statusCallback: HOOK }),
      },
      net.ctx,
    );
    expect(sent.status).toBe(200);
    const { sid } = ((await sent.json()) as { contextWrites: { to: { sid: string } } }).contextWrites.to;
    await net.settle();

    // Twilio's side (the emulator) reported to the gateway, each callback signed and recorded.
    const statuses = net.callbacks.map((params) => params.get('MessageStatus'));
    expect(statuses).toEqual(['sending', 'sent', 'delivered']);
    expect(statuses.at(-1)).toBe('delivered');
    const history = await historyFor(sid);
    expect(history?.status).toBe('delivered');
    expect(history?.timeline.map((e) => e.status)).toEqual(statuses);

    // getMessage (and its GET alias) merge the history: delivered, with its timeline and timestamps.
    for (const read of [
      call('/api/Twilio/getMessage', { method: 'POST', body: JSON.stringify({ sid }) }, net.ctx),
      call(`/api/Twilio/messages/${sid}`, { method: 'GET' }, net.ctx),
    ]) {
      const answer = (await (await read).json()) as { contextWrites: { to: Record<string, any> } };
      const message = answer.contextWrites.to;
      expect(message.status).toBe('delivered');
      expect(message.errorCode).toBeNull();
      expect(message.timeline.map((e: { status: string }) => e.status)).toEqual(statuses);
      for (const entry of message.timeline) expect(Date.parse(entry.at)).not.toBeNaN();
    }

    // The caller's URL received each update once, in order, signed with Standard Webhooks headers.
    expect(net.forwards.map((f) => f.url)).toEqual(statuses.map(() => HOOK));
    expect(net.forwards.map((f) => JSON.parse(f.body).data.status)).toEqual(statuses);
    for (const f of net.forwards) {
      const body = new TextEncoder().encode(f.body);
      expect(await verifySignature('standard', SECRET, { headers: f.headers, body, url: f.url })).toBe(true);
      expect(JSON.parse(f.body)).toMatchObject({
        type: 'message.status',
        data: { sid, correlationId: expect.any(String) },
      });
    }
  });

  it('a call with every progress event, its callbacks by GET: getCall shows completed with the events in sequence', async () => {
    const net = network();
    const made = await call(
      '/api/Twilio/makeCall',
      {
        method: 'POST',
        body: JSON.stringify({
          from: '+15005550006',
          to: '+14155550100',
          twiml: '<Response><Say>hi</Say></Response>',
          statusCallback: HOOK,
          statusCallbackMethod: 'GET',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        }),
      },
      net.ctx,
    );
    expect(made.status).toBe(200);
    const { sid } = ((await made.json()) as { contextWrites: { to: { sid: string } } }).contextWrites.to;
    await net.settle();
    const expected = ['initiated', 'ringing', 'in-progress', 'completed'];
    const read = await call(`/api/Twilio/calls/${sid}`, { method: 'GET' }, net.ctx);
    const resource = ((await read.json()) as { contextWrites: { to: Record<string, any> } }).contextWrites.to;
    expect(resource.status).toBe('completed');
    expect(resource.timeline.map((e: { status: string; sequence: number }) => [e.status, e.sequence])).toEqual(
      expected.map((status, i) => [status, i]),
    );
    expect(net.forwards.map((f) => JSON.parse(f.body))).toEqual(
      expected.map((status, i) =>
        expect.objectContaining({
          type: 'call.status',
          data: expect.objectContaining({ sid, status, sequenceNumber: i }),
        }),
      ),
    );
  });
});
