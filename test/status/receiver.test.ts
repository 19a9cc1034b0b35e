import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { advances } from '../../src/status/rank';
import { readUpdate } from '../../src/status/update';
import { isSignedBy, type Received, signedUrl } from '../../src/status/verify';
import { bodySha256, twilioSignature } from '../../src/twilio/signature';
import { installFakeTwilio } from '../fake-twilio';
import { captureLogs, ENV_ACCOUNT, ENV_TOKEN, envWith, expectError, post } from '../helpers';
import {
  callSid,
  GATEWAY,
  historyFor,
  messageFields,
  messageSid,
  postCallback,
  RECEIVER,
  storeOf,
  TRACKED,
} from './helpers';

/** FACTS.md's vectors: token 12345, this URL and these parameters. */
const VECTOR_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const VECTOR_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const JSON_BODY = '{"property": "value", "boolean": true}';
const JSON_SHA = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';

const form = (url: string, params: URLSearchParams | Record<string, string>, signature: string | null): Received => {
  const headers = new Headers({ 'Content-Type': 'application/x-www-form-urlencoded' });
  if (signature !== null) headers.set('X-Twilio-Signature', signature);
  return { method: 'POST', headers, url, body: new TextEncoder().encode(new URLSearchParams(params).toString()) };
};

describe('X-Twilio-Signature, with FACTS.md vectors', () => {
  it('a form POST signed over the URL and its sorted parameters', async () => {
    expect(await isSignedBy('12345', form(VECTOR_URL, VECTOR_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(true);
  });

  it('the URL signed with :443 matches the URL received without it, and the other way round', async () => {
    expect(await isSignedBy('12345', form(VECTOR_URL, VECTOR_PARAMS, 'kvajT1Ptam85bY51eRf/AJRuM3w='))).toBe(true);
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(await isSignedBy('12345', form(withPort, VECTOR_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(true);
  });

  it('a URL received with another port matches the URL Twilio signed without it', async () => {
    const local = 'https://mycompany.com:8443/myapp.php?foo=1&bar=2';
    expect(await isSignedBy('12345', form(local, VECTOR_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='))).toBe(true);
  });

  it('a repeated parameter contributes each value, sorted', async () => {
    const params = new URLSearchParams([
      ['Sid', 'CA123'],
      ['SidAccount', 'AC123'],
      ['Digits', '5678'],
      ['Digits', '1234'],
      ['Digits', '1234'],
    ]);
    expect(await isSignedBy('12345', form(VECTOR_URL, params, 'IK+Dwps556ElfBT0I3Rgjkr1wJU='))).toBe(true);
  });

  it('a JSON body: the URL with bodySHA256 is signed, and the body must hash to it', async () => {
    const url = `${VECTOR_URL}&bodySHA256=${JSON_SHA}`;
    const received = (body: string): Received => ({
      method: 'POST',
      headers: new Headers({
        'Content-Type': 'application/json',
        'X-Twilio-Signature': 'a9nBmqA0ju/hNViExpshrM61xv4=',
      }),
      url,
      body: new TextEncoder().encode(body),
    });
    expect(await isSignedBy('12345', received(JSON_BODY))).toBe(true);
    expect(await isSignedBy('12345', received('{"property": "value", "boolean": false}'))).toBe(false);
  });

  it("a ' in the query: signed raw, received escaped as %27 (and the reverse)", async () => {
    const raw = "https://mycompany.com/myapp.php?name=O'Brien";
    const escaped = new URL(raw).href;
    expect(escaped).toContain('%27');
    const signedRaw = await twilioSignature('12345', raw, VECTOR_PARAMS);
    expect(await isSignedBy('12345', form(escaped, VECTOR_PARAMS, signedRaw))).toBe(true);
    const signedEscaped = await twilioSignature('12345', escaped, VECTOR_PARAMS);
    expect(await isSignedBy('12345', form(raw, VECTOR_PARAMS, signedEscaped))).toBe(true);
  });

  it('tampered: another value, another parameter, another path or host, another token, no signature', async () => {
    const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(await isSignedBy('12345', form(VECTOR_URL, { ...VECTOR_PARAMS, Digits: '1235' }, good))).toBe(false);
    expect(await isSignedBy('12345', form(VECTOR_URL, { ...VECTOR_PARAMS, Extra: '' }, good))).toBe(false);
    expect(await isSignedBy('12345', form(VECTOR_URL.replace('myapp', 'other'), VECTOR_PARAMS, good))).toBe(false);
    expect(await isSignedBy('12345', form(VECTOR_URL.replace('mycompany', 'evil'), VECTOR_PARAMS, good))).toBe(false);
    expect(await isSignedBy('12346', form(VECTOR_URL, VECTOR_PARAMS, good))).toBe(false);
    expect(await isSignedBy('12345', form(VECTOR_URL, VECTOR_PARAMS, null))).toBe(false);
    expect(await isSignedBy('12345', form(VECTOR_URL, VECTOR_PARAMS, `${good.slice(0, -2)}A=`))).toBe(false);
  });

  it('PUBLIC_URL replaces the scheme, host and port the Worker sees, keeping the path and query', () => {
    expect(signedUrl('http://10.0.0.7:8080/twilio/status?cid=1', 'https://gw.example.com')).toBe(
      'https://gw.example.com/twilio/status?cid=1',
    );
    expect(signedUrl('http://10.0.0.7:8080/twilio/status', 'https://example.com/gateway')).toBe(
      'https://example.com/gateway/twilio/status',
    );
    expect(signedUrl(RECEIVER, undefined)).toBe(RECEIVER);
  });
});

describe('POST /twilio/status: the receiver', () => {
  it('records a validly signed callback and answers 200', async () => {
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent'));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ sid, status: 'sent', recorded: true });
    const history = await historyFor(sid);
    expect(history).toMatchObject({ sid, kind: 'message', accountSid: ENV_ACCOUNT, status: 'sent', errorCode: null });
    expect(history?.timeline.map((e) => e.status)).toEqual(['sent']);
  });

  it.each([
    ['no signature', { signature: null }],
    ['a wrong signature', { signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }],
    ['the right scheme under another token', { token: 'another-token' }],
    ['a signature over another URL', { signedUrl: `${GATEWAY}/twilio/status?cid=other` }],
  ])('%s: 403 in the gateway envelope, nothing recorded', async (_, options) => {
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent'), options);
    expectError(answer, 403, '[HTTP 403] Refused by the gateway: The X-Twilio-Signature is missing or wrong', {
      hint: /^Twilio signs with the account's auth token and the URL it was given/,
    });
    expect(await historyFor(sid)).toBeUndefined();
  });

  it('a callback of another account is refused: the gateway holds only its own token', async () => {
    const sid = messageSid();
    const fields = messageFields(sid, 'sent', { AccountSid: `AC${'9'.repeat(32)}` });
    expect((await postCallback(fields)).status).toBe(403);
    expect(await historyFor(sid)).toBeUndefined();
  });

  it('a refused callback is a 403 even with ERROR_STATUS=always-200', async () => {
    const answer = await postCallback(messageFields(messageSid(), 'sent'), {
      signature: null,
      env: { ERROR_STATUS: 'always-200' },
    });
    expect(answer.status).toBe(403);
  });

  it('a tampered field after signing is refused', async () => {
    const sid = messageSid();
    const signed = messageFields(sid, 'sent');
    const signature = await twilioSignature(ENV_TOKEN, TRACKED, signed);
    const answer = await postCallback({ ...signed, MessageStatus: 'delivered' }, { signature });
    expect(answer.status).toBe(403);
    expect(await historyFor(sid)).toBeUndefined();
  });

  it('PUBLIC_URL: a callback signed over the public URL is accepted at the URL the Worker sees', async () => {
    const sid = messageSid();
    const seen = 'http://10.1.2.3:8787/twilio/status?cid=c-1';
    const options = { url: seen, signedUrl: 'https://public.example.com/twilio/status?cid=c-1' };
    expect((await postCallback(messageFields(sid, 'sent'), options)).status).toBe(403);
    const answer = await postCallback(messageFields(sid, 'sent'), {
      ...options,
      env: { PUBLIC_URL: 'https://public.example.com/' },
    });
    expect(answer.status).toBe(200);
    expect((await historyFor(sid))?.status).toBe('sent');
  });

  it('GET (StatusCallbackMethod=GET): the fields in the query, the URL signed alone', async () => {
    const sid = callSid();
    const fields = {
      AccountSid: ENV_ACCOUNT,
      CallSid: sid,
      CallStatus: 'completed',
      CallDuration: '7',
      SequenceNumber: '0',
      Timestamp: 'Mon, 30 Nov 2026 12:00:07 +0000',
    };
    const answer = await postCallback(fields, { method: 'GET', url: `${RECEIVER}?cid=c-1` });
    expect(answer.status).toBe(200);
    const history = await historyFor(sid);
    expect(history).toMatchObject({ kind: 'call', status: 'completed' });
    expect(history?.timeline).toEqual([
      expect.objectContaining({ status: 'completed', sequence: 0, at: '2026-11-30T12:00:07.000Z' }),
    ]);
  });

  it('a JSON callback signed with bodySHA256 is accepted; its body changed, refused', async () => {
    const sid = messageSid();
    const body = JSON.stringify(messageFields(sid, 'delivered'));
    const url = `${TRACKED}&bodySHA256=${await bodySha256(body)}`;
    const signature = await twilioSignature(ENV_TOKEN, url);
    const post = (text: string) =>
      app.request(
        url,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': signature },
          body: text,
        },
        envWith(),
      );
    expect((await post(body.replace('delivered', 'failed'))).status).toBe(403);
    expect(await historyFor(sid)).toBeUndefined();
    expect((await post(body)).status).toBe(200);
    expect((await historyFor(sid))?.status).toBe('delivered');
  });

  it('a validly signed callback for a SID the gateway did not send (no cid in its URL) is answered but not recorded', async () => {
    const sid = messageSid();
    const fields = messageFields(sid, 'delivered', { RawDlrDoneDate: '2611301200' });
    const answer = await postCallback(fields, { url: RECEIVER });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ sid, status: 'delivered', recorded: false });
    expect(await historyFor(sid)).toBeUndefined();
  });

  it('validly signed callbacks for SIDs the gateway did not send count against their IP: over the limit, 429', async () => {
    const strict = { RATE_LIMITER: (env as Env & { STRICT_LIMITER: RateLimit }).STRICT_LIMITER } as never;
    const ip = { 'CF-Connecting-IP': `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      const answer = await postCallback(messageFields(messageSid(), 'sent'), {
        url: RECEIVER,
        env: strict,
        headers: ip,
      });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 100).every((status) => status === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
  });

  it('a tracked callback (with the cid the gateway gave Twilio) is not counted against its IP', async () => {
    const strict = { RATE_LIMITER: (env as Env & { STRICT_LIMITER: RateLimit }).STRICT_LIMITER } as never;
    const ip = { 'CF-Connecting-IP': `203.0.113.${Math.floor(Math.random() * 250) + 1}` };
    const sid = messageSid();
    for (let i = 0; i < 110; i++) {
      const answer = await postCallback(messageFields(sid, 'sent'), { env: strict, headers: ip });
      expect(answer.status).toBe(200);
    }
  });

  it('a signed callback with no message or call status is a 400, nothing recorded', async () => {
    const answer = await postCallback({ AccountSid: ENV_ACCOUNT, RecordingSid: `RE${'0'.repeat(32)}` });
    expectError(answer, 400, '[HTTP 400] Refused by the gateway: The callback names no message or call status');
  });

  it('a body over 64 KB is a 413 before it is read', async () => {
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent', { Padding: 'x'.repeat(70_000) }));
    expect(answer.status).toBe(413);
    expect(await historyFor(sid)).toBeUndefined();
  });
});

describe('the record: in order, once', () => {
  it("Twilio's retries (the same I-Twilio-Idempotency-Token) are recorded once", async () => {
    const sid = messageSid();
    const fields = messageFields(sid, 'sent');
    expect((await postCallback(fields, { idempotency: 'retry-token-1' })).json.recorded).toBe(true);
    const again = await postCallback(fields, { idempotency: 'retry-token-1' });
    expect(again.status).toBe(200);
    expect(again.json.recorded).toBe(false);
    expect((await historyFor(sid))?.timeline).toHaveLength(1);
  });

  it('a late sent never overwrites delivered; it is kept in the timeline, marked late', async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'delivered'));
    const late = await postCallback(messageFields(sid, 'sent'));
    expect(late.json).toEqual({ sid, status: 'delivered', recorded: true });
    const history = await historyFor(sid);
    expect(history?.status).toBe('delivered');
    expect(history?.timeline.map((e) => [e.status, e.late ?? false])).toEqual([
      ['sent', true],
      ['delivered', false],
    ]);
  });

  it('a final status is never left, but read follows delivered; the error code comes with its status', async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'sent'));
    await postCallback(messageFields(sid, 'undelivered', { ErrorCode: '30003' }));
    await postCallback(messageFields(sid, 'delivered'));
    expect(await historyFor(sid)).toMatchObject({ status: 'undelivered', errorCode: '30003' });
    const other = messageSid();
    await postCallback(messageFields(other, 'delivered'));
    await postCallback(messageFields(other, 'read', { EventType: 'READ' }));
    expect((await historyFor(other))?.status).toBe('read');
  });

  it.each([
    ['failed', '30008'],
    ['undelivered', '30003'],
  ])(
    'read follows only delivered (FACTS.md): %s stays, read is kept in the timeline, marked late',
    async (final, code) => {
      const sid = messageSid();
      await postCallback(messageFields(sid, final, { ErrorCode: code }));
      const read = await postCallback(messageFields(sid, 'read', { EventType: 'READ' }));
      expect(read.json).toEqual({ sid, status: final, recorded: true });
      const history = await historyFor(sid);
      expect(history).toMatchObject({ status: final, errorCode: code });
      expect(history?.timeline.map((e) => [e.status, e.late ?? false])).toEqual([
        [final, false],
        ['read', true],
      ]);
    },
  );

  it('the order itself: read moves on from delivered and from before it (overtaking), never from another final status', () => {
    expect(advances({ status: 'delivered' }, { status: 'read' })).toBe(true);
    expect(advances({ status: 'sent' }, { status: 'read' })).toBe(true);
    for (const final of ['failed', 'undelivered', 'canceled', 'partially_delivered', 'read']) {
      expect(advances({ status: final }, { status: 'read' })).toBe(false);
    }
    expect(advances({ status: 'read' }, { status: 'delivered' })).toBe(false);
  });

  it('the same status under another token is a duplicate: one timeline entry', async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'sent'));
    const again = await postCallback(messageFields(sid, 'sent'));
    expect(again.json.recorded).toBe(false);
    expect((await historyFor(sid))?.timeline).toHaveLength(1);
  });

  it('a call: a lower SequenceNumber never overwrites a higher one', async () => {
    const sid = callSid();
    const event = (status: string, sequence: number, second: number) => ({
      AccountSid: ENV_ACCOUNT,
      CallSid: sid,
      CallStatus: status,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(sequence),
      Timestamp: `Mon, 30 Nov 2026 12:00:0${second} +0000`,
    });
    await postCallback(event('in-progress', 2, 3));
    await postCallback(event('ringing', 1, 1));
    expect((await historyFor(sid))?.status).toBe('in-progress');
    await postCallback(event('initiated', 0, 0));
    await postCallback(event('completed', 3, 9));
    const history = await historyFor(sid);
    expect(history?.status).toBe('completed');
    expect(history?.timeline.map((e) => [e.status, e.sequence, e.at, e.late ?? false])).toEqual([
      ['initiated', 0, '2026-11-30T12:00:00.000Z', true],
      ['ringing', 1, '2026-11-30T12:00:01.000Z', true],
      ['in-progress', 2, '2026-11-30T12:00:03.000Z', false],
      ['completed', 3, '2026-11-30T12:00:09.000Z', false],
    ]);
  });

  it('concurrent callbacks of one SID are all recorded, and the highest status wins', async () => {
    const sid = messageSid();
    await Promise.all(['queued', 'delivered', 'sending', 'sent'].map((s) => postCallback(messageFields(sid, s))));
    const history = await historyFor(sid);
    expect(history?.status).toBe('delivered');
    expect(history?.timeline.map((e) => e.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
  });
});

describe('bounded: what Twilio sends never grows a record without limit', () => {
  it('a SID keeps at most 32 timeline entries, and its current status still moves on', async () => {
    const sid = callSid();
    for (let i = 0; i < 40; i++) {
      // 40 distinct events (an unknown status is recorded too), each with a higher SequenceNumber.
      const status = i === 39 ? 'completed' : `event-${String.fromCharCode(97 + (i % 26))}${i < 26 ? '' : 'x'}`;
      await postCallback({ AccountSid: ENV_ACCOUNT, CallSid: sid, CallStatus: status, SequenceNumber: String(i) });
    }
    const history = await historyFor(sid);
    expect(history?.timeline).toHaveLength(32);
    expect(history?.status).toBe('completed');
  });

  it('a late callback dropped because the timeline is full is answered recorded: false, still 200', async () => {
    const sid = callSid();
    const event = (status: string, sequence: number) => ({
      AccountSid: ENV_ACCOUNT,
      CallSid: sid,
      CallStatus: status,
      SequenceNumber: String(sequence),
    });
    for (let i = 1; i <= 32; i++) await postCallback(event('ringing', i));
    const dropped = await postCallback(event('initiated', 0));
    expect(dropped.status).toBe(200);
    expect(dropped.json).toEqual({ sid, status: 'ringing', recorded: false });
    const history = await historyFor(sid);
    expect(history?.timeline).toHaveLength(32);
    expect(history?.timeline.some((e) => e.status === 'initiated')).toBe(false);
    // One that moves the record on is recorded (its status is current) though the timeline has no room for it.
    const moves = await postCallback(event('completed', 33));
    expect(moves.json).toEqual({ sid, status: 'completed', recorded: true });
  });

  it("Twilio's fields are kept for the forward up to 64, each name and value bounded", async () => {
    const sid = messageSid();
    const extra = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`F${String(i).padStart(2, '0')}`, 'v']));
    const update = await readUpdate(
      new URLSearchParams({ ...messageFields(sid, 'sent'), Long: 'x'.repeat(1025), ...extra }),
      't'.repeat(129),
    );
    expect(Object.keys(update?.fields ?? {})).toHaveLength(63);
    expect(update?.fields.Long).toBeUndefined();
    // An idempotency token too long to keep is replaced by a digest of the fields.
    expect(update?.token).toMatch(/^sha256:[\da-f]{64}$/);
  });
});

describe('the reads merge the history', () => {
  afterEach(() => vi.restoreAllMocks());

  it("getMessage: the recorded status and timeline over Twilio's lagging answer", async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'delivered'));
    installFakeTwilio();
    const { status, json } = await post('getMessage', { sid });
    expect(status).toBe(200);
    expect(json.contextWrites.to).toMatchObject({ sid, status: 'delivered', timeline: [{ status: 'delivered' }] });
  });

  it("a failing status store: Twilio's answer without the history, and nothing of the failure logged", async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'delivered'));
    const failing = {
      idFromName: (name: string) => env.STATUS.idFromName(name),
      get: () => ({ history: () => Promise.reject(new Error(`store down for ${ENV_TOKEN}`)) }),
    };
    installFakeTwilio();
    const logs = captureLogs();
    const { status, json } = await post('getMessage', { sid }, { STATUS: failing as unknown as string });
    expect(status).toBe(200);
    expect(json.contextWrites.to).toMatchObject({ sid, accountSid: ENV_ACCOUNT, status: 'queued' });
    expect(json.contextWrites.to).not.toHaveProperty('timeline');
    expect(logs).toContain('{"statusHistory":"unavailable","error":"Error"}');
    expect(logs.join('\n')).not.toContain(ENV_TOKEN);
    expect(logs.join('\n')).not.toContain('store down');
  });
});

describe('retention (STATUS_RETENTION_DAYS)', () => {
  it('a record is deleted by its alarm once the retention after its last update has passed', async () => {
    const sid = messageSid();
    await postCallback(messageFields(sid, 'delivered'));
    const store = storeOf(sid);
    const alarm = await runInDurableObject(store, (_, state) => state.storage.getAlarm());
    // The default retention, 7 days, after the update (the alarm is set at the expiry when nothing is to forward).
    expect(alarm).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(alarm).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    // Before the expiry the alarm keeps the record; after it, the record goes.
    expect(await runDurableObjectAlarm(store)).toBe(true);
    expect((await historyFor(sid))?.status).toBe('delivered');
    await runInDurableObject(store, (instance) => {
      (instance as unknown as { state: { expires: number } }).state.expires = Date.now() - 1;
    });
    await runInDurableObject(store, (_, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(store)).toBe(true);
    expect(await historyFor(sid)).toBeUndefined();
    expect(await runInDurableObject(store, async (_, state) => (await state.storage.list()).size)).toBe(0);
  });
});
