import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { installFakeTwilio } from '../fake-twilio';
import { CALLER_KEY, ENV_ACCOUNT, envWith } from '../helpers';
import { messageFields, messageSid, postCallback } from './helpers';

/** The call the fake Twilio's list page holds on its first page (test/fake-twilio.ts defaultResponse). */
const LISTED_CALL = `CA${(16).toString(16).padStart(32, '0')}`;

const request = (path: string, body?: unknown, overrides: Record<string, string> = {}) =>
  app.request(
    path,
    body === undefined
      ? { headers: { 'X-API-Key': CALLER_KEY } }
      : {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY },
          body: JSON.stringify(body),
        },
    envWith(overrides),
  );

const answerOf = async (res: Response) =>
  ((await res.json()) as { contextWrites: { to: Record<string, any> } }).contextWrites.to;

afterEach(() => vi.restoreAllMocks());

describe('history everywhere: list reads and read recipes merge the recorded history', () => {
  it("listCalls shows a listed call's recorded status and timeline; a record without history is left as Twilio said", async () => {
    await postCallback({ AccountSid: ENV_ACCOUNT, CallSid: LISTED_CALL, CallStatus: 'completed', SequenceNumber: '3' });
    installFakeTwilio();
    const page = await answerOf(await request('/api/Twilio/listCalls', {}));
    expect(page.calls).toEqual([
      expect.objectContaining({
        sid: LISTED_CALL,
        status: 'completed',
        timeline: [expect.objectContaining({ status: 'completed', sequence: 3 })],
      }),
    ]);
    const second = await answerOf(await request('/api/Twilio/calls?pageSize=1&page=1&pageToken=PACA1'));
    expect(second.calls).toHaveLength(1);
    expect(second.calls[0].timeline).toBeUndefined();
    expect(second.calls[0].status).toBe('queued');
  });

  it('a read recipe answers with the history, as getMessage does', async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'sent'));
    await postCallback(messageFields(sid, 'delivered'));
    installFakeTwilio();
    const recipes = JSON.stringify({ lookup: { block: 'getMessage', fields: { sid: '{{sid}}' } } });
    const res = await request('/hooks/lookup', { sid }, { RECIPES: recipes });
    expect(res.status).toBe(200);
    const message = await answerOf(res);
    expect(message.status).toBe('delivered');
    expect(message.timeline.map((e: { status: string }) => e.status)).toEqual(['sent', 'delivered']);
  });
});
