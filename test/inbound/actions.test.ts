import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inboxOf } from '../../src/inbound/store';
import { standardSignature } from '../../src/recipes/verify';
import { post, send } from '../helpers';
import { person } from '../optouts/helpers';
import { messageFields, postWebhook, twimlOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

/** Standard Webhooks' test secret, the suite's WEBHOOK_SECRETS (vitest.config.ts). */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOOK = 'https://hooks.example.com/sms';

/** Catches the forwards (outbound fetches), answering each with `status`. */
function catchForwards(status = 204) {
  const caught: { url: string; headers: Headers; body: string }[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    caught.push({ url: request.url, headers: request.headers, body: await request.text() });
    return new Response(null, { status });
  });
  return caught;
}

const forwardTo = (url: string, number = 'default') => ({
  INBOUND: JSON.stringify({ messages: { [number]: { action: 'forward', url } } }),
});

describe('the forward action', () => {
  it('POSTs the message as a Standard Webhooks-signed message.received event, and answers an empty Response', async () => {
    const caught = catchForwards();
    const fields = messageFields(person(), 'Is my order late?', { To: '+15005550130' });
    const answer = await postWebhook(fields, { env: forwardTo(HOOK) });
    expect(answer.text).toBe(twimlOf());
    expect(caught).toHaveLength(1);
    const [forward] = caught;
    expect(forward?.url).toBe(HOOK);
    const event = JSON.parse(forward?.body ?? '{}');
    expect(event).toMatchObject({
      type: 'message.received',
      data: { sid: fields.MessageSid, from: fields.From, to: '+15005550130', body: 'Is my order late?', fields },
    });
    const id = forward?.headers.get('webhook-id') ?? '';
    const timestamp = forward?.headers.get('webhook-timestamp') ?? '';
    expect(id).toBe(`msg_${fields.MessageSid}`);
    expect(forward?.headers.get('webhook-signature')).toBe(
      `v1,${await standardSignature(SECRET, id, timestamp, forward?.body ?? '')}`,
    );
  });

  it("Twilio's retry of a forwarded message is not forwarded again", async () => {
    const caught = catchForwards();
    const fields = messageFields(person(), 'once', { To: '+15005550131' });
    await postWebhook(fields, { env: forwardTo(HOOK), idempotency: 'same' });
    await postWebhook(fields, { env: forwardTo(HOOK), idempotency: 'same' });
    expect(caught).toHaveLength(1);
  });

  it('a forward that fails waits in the number’s store for its retry, by the alarm', async () => {
    const caught = catchForwards(503);
    const fields = messageFields(person(), 'retry me', { To: '+15005550132' });
    await postWebhook(fields, { env: forwardTo(HOOK) });
    expect(caught).toHaveLength(1);
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    vi.restoreAllMocks();
    const retried = catchForwards();
    expect(await runDurableObjectAlarm(inboxOf(env, '+15005550132'))).toBe(true);
    expect(retried.map((f) => f.headers.get('webhook-id'))).toEqual([`msg_${fields.MessageSid}`]);
  });

  for (const url of ['http://127.0.0.1/hook', 'http://localhost:8080/x', 'http://[::1]/x', 'http://10.0.0.5/x']) {
    it(`a forward to ${url}, not a public address, is a configuration error, and never fetched`, async () => {
      const caught = catchForwards();
      const answer = await postWebhook(messageFields(person(), 'hi', { To: '+15005550133' }), { env: forwardTo(url) });
      expect(answer.status).toBe(500);
      expect(caught).toHaveLength(0);
    });
  }
});

describe('listInbound and GET /api/Twilio/inbound', () => {
  it('list what a number received, newest first, by sender, a page at a time', async () => {
    const to = `+1500555${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
    const from = person();
    const sent: string[] = [];
    for (const body of ['one', 'two', 'three']) {
      const fields = messageFields(from, body, { To: to });
      sent.push(fields.MessageSid);
      await postWebhook(fields);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await postWebhook(messageFields(person(), 'someone else', { To: to }));
    const first = await post('listInbound', { to, from, pageSize: 2 });
    const page = first.json.contextWrites.to;
    expect(page.to).toBe(to);
    expect(page.messages.map((m: { body: string }) => m.body)).toEqual(['three', 'two']);
    expect(page.nextPageToken).toEqual(expect.any(String));
    const second = await send(
      `/api/Twilio/inbound?to=${encodeURIComponent(to)}&from=${encodeURIComponent(from)}&pageSize=2&pageToken=${page.nextPageToken}`,
    );
    expect(second.json.contextWrites.to).toMatchObject({
      nextPageToken: null,
      messages: [{ body: 'one', sid: sent[0] }],
    });
    const all = await post('listInbound', { to });
    expect(all.json.contextWrites.to.messages).toHaveLength(4);
    const future = await post('listInbound', { to, receivedAfter: '2999-01-01' });
    expect(future.json.contextWrites.to.messages).toEqual([]);
  });

  it('is refused to a caller without a key, and without the number', async () => {
    expect((await post('listInbound', {})).status).toBe(400);
    const { app } = await import('../../src/http/app');
    const res = await app.request('/api/Twilio/inbound?to=%2B15005550006', {}, env);
    expect(res.status).toBe(401);
  });
});
