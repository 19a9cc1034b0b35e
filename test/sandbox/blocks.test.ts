import { describe, expect, it } from 'vitest';
import { ENV_ACCOUNT, errorText, post, send } from '../helpers';

/**
 * The end to end, through the Worker's blocks in sandbox mode (the emulator in-process, the suite's stored
 * credentials as its account): a message fetched until it reads delivered, a call hung up, a list paged, and what
 * each state forbids, as the caller sees it.
 */
const SANDBOX = { TWILIO_MODE: 'sandbox', SANDBOX_SPEED: '20' };
const FROM = '+15005550006';
const VOICE = 'http://demo.twilio.com/docs/voice.xml';

/** A To number of its own per test, so that lists see only that test's records. */
const freshTo = () => `+1415${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;

const block = (name: string, input: Record<string, unknown>) => post(name, input, SANDBOX);

/** Runs a block until its record satisfies `done` (polls; no timed assertion), then returns the record. */
async function until(name: string, input: Record<string, unknown>, done: (to: Record<string, any>) => boolean) {
  for (let i = 0; i < 400; i++) {
    const { json } = await block(name, input);
    expect(json.callback, JSON.stringify(json)).toBe('success');
    if (done(json.contextWrites.to)) return json.contextWrites.to as Record<string, any>;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} never reached the awaited state`);
}

describe('sandbox mode, block by block', () => {
  it('a message sent can be fetched until it reads delivered (also GET /api/Twilio/messages/{sid})', async () => {
    const sent = await block('sendSms', { from: FROM, to: freshTo(), body: 'track me' });
    const { sid, status } = sent.json.contextWrites.to;
    expect(status).toBe('queued');
    const delivered = await until('getMessage', { sid }, (m) => m.status === 'delivered');
    expect(delivered).toMatchObject({ sid, accountSid: ENV_ACCOUNT, errorCode: null });
    expect(Date.parse(delivered.dateSent)).toBeGreaterThan(Date.parse(delivered.dateCreated) - 1);
    const alias = await send(`/api/Twilio/messages/${sid}`, {}, SANDBOX);
    expect(alias.json.contextWrites.to).toMatchObject({ sid, status: 'delivered' });
  });

  it('a call can be hung up while in progress; a second hang-up is refused with 21220', async () => {
    const { sid } = (await block('makeCall', { from: FROM, to: freshTo(), url: VOICE })).json.contextWrites.to;
    await until('getCall', { sid }, (c) => c.status === 'in-progress');
    const hung = await block('updateCall', { sid, status: 'completed' });
    expect(hung.json.contextWrites.to).toMatchObject({ sid, status: 'completed' });
    const { startTime, endTime, duration } = hung.json.contextWrites.to;
    expect(duration).toBe(String(Math.round((Date.parse(endTime) - Date.parse(startTime)) / 1000)));
    const again = await block('updateCall', { sid, status: 'completed' });
    expect(again.status).toBe(400);
    expect(errorText(again.json)).toBe('[HTTP 400] Unable to update record: Call is not in-progress. Cannot redirect.');
    expect(again.json.error.code).toBe(21220);
    const read = await send(`/api/Twilio/calls/${sid}`, {}, SANDBOX);
    expect(read.json.contextWrites.to.status).toBe('completed');
  });

  it('listMessages pages with nextPageToken, filtered by To (also GET /api/Twilio/messages)', async () => {
    const to = freshTo();
    const sids: string[] = [];
    for (let i = 0; i < 3; i++)
      sids.push((await block('sendSms', { from: FROM, to, body: `n${i}` })).json.contextWrites.to.sid);
    const first = (await block('listMessages', { to, pageSize: 2 })).json.contextWrites.to;
    expect(first.messages.map((m: { sid: string }) => m.sid)).toEqual([sids[2], sids[1]]);
    expect(first.nextPageToken).toMatch(/^PA/);
    const second = (await block('listMessages', { to, pageSize: 2, page: 1, pageToken: first.nextPageToken })).json
      .contextWrites.to;
    expect(second.messages.map((m: { sid: string }) => m.sid)).toEqual([sids[0]]);
    expect(second.nextPageToken).toBeNull();
    const alias = await send(`/api/Twilio/messages?to=${encodeURIComponent(to)}&pageSize=3`, {}, SANDBOX);
    expect(alias.json.contextWrites.to.messages).toHaveLength(3);
  });

  it('cancel, redact and delete: what the message’s state allows', async () => {
    const { sid } = (await block('sendSms', { from: FROM, to: freshTo(), body: 'code 1234' })).json.contextWrites.to;
    const cancel = await block('cancelMessage', { sid });
    expect(cancel.status).toBe(400);
    expect(errorText(cancel.json)).toBe('[HTTP 400] Unable to update record: This message cannot be canceled');
    const early = await block('deleteMessage', { sid });
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe(20009);
    expect((await block('redactMessage', { sid })).json.contextWrites.to.body).toBe('');
    await until('getMessage', { sid }, (m) => m.status === 'delivered');
    expect((await block('deleteMessage', { sid })).json.callback).toBe('success');
    const gone = await block('getMessage', { sid });
    expect(gone.status).toBe(404);
    expect(errorText(gone.json)).toBe(
      `[HTTP 404] Unable to fetch record: The requested resource /2010-04-01/Accounts/${ENV_ACCOUNT}/Messages/${sid}.json was not found`,
    );
  });

  it('a wrong accountToken is 401 Authenticate for the reads too', async () => {
    const { sid } = (await block('sendSms', { from: FROM, to: freshTo(), body: 'x' })).json.contextWrites.to;
    const wrong = await block('getMessage', { sid, accountSid: ENV_ACCOUNT, accountToken: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(errorText(wrong.json)).toBe('[HTTP 401] Unable to fetch record: Authenticate');
  });
});
