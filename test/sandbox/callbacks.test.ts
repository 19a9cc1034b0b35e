import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import type { LateRequest } from '../../src/sandbox';
import { MAX_DELIVERIES } from '../../src/sandbox/callbacks';
import { isValidTwilioSignature } from '../../src/twilio/signature';
import { ACCOUNT, CALLER_KEY, call, envWith, sms, TOKEN } from '../helpers';

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  params: URLSearchParams;
}

/** Captures every outbound fetch (the status callbacks) and answers 204 like a receiver would. */
function captureCallbacks(answer: () => Response = () => new Response(null, { status: 204 })) {
  const captured: Captured[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = new TextDecoder().decode(await request.arrayBuffer());
    captured.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      params: new URLSearchParams(body),
    });
    return answer();
  });
  return captured;
}

/**
 * POSTs to a block through the real Worker with an ExecutionContext whose waitUntil work is awaited (unless
 * `awaited` is false). By default a caller with the suite's key: on a Worker with API_KEYS, only such callers get
 * simulated callbacks; `request` changes the URL or headers.
 */
async function send(
  block: string,
  body: unknown,
  overrides: Record<string, string> = {},
  request: { url?: string; headers?: Record<string, string>; awaited?: boolean } = {},
) {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
  const res = await app.request(
    request.url ?? `/api/Twilio/${block}`,
    {
      method: 'POST',
      headers: request.headers ?? { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY },
      body: JSON.stringify(body),
    },
    // The emulator accepts the helpers' pair as the Worker's own, and runs its clock fast.
    envWith({
      TWILIO_MODE: 'sandbox',
      SANDBOX_CALLBACKS: 'true',
      SANDBOX_SPEED: '1000000',
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      ...overrides,
    }),
    ctx as unknown as ExecutionContext,
  );
  const json = (await res.json()) as Record<string, any>;
  if (request.awaited !== false) await Promise.all(pending);
  return { status: res.status, json, pending };
}

const HOOK = 'https://hooks.example.com/twilio/status?tenant=7';
/** A local run, as `npm start` declares it. */
const LOCAL = { SANDBOX_LOCAL: 'true' };

/** Asserts every callback is a signed form POST to `url` with a distinct idempotency token. */
async function expectSigned(captured: Captured[], url: string, key: string) {
  const tokens = new Set<string>();
  for (const cb of captured) {
    expect(cb.url).toBe(url);
    expect(cb.method).toBe('POST');
    expect(cb.headers.get('Content-Type')).toMatch(/^application\/x-www-form-urlencoded/);
    const signature = cb.headers.get('X-Twilio-Signature') ?? '';
    expect(await isValidTwilioSignature(key, signature, cb.url, cb.params)).toBe(true);
    expect(await isValidTwilioSignature('another-token', signature, cb.url, cb.params)).toBe(false);
    tokens.add(cb.headers.get('I-Twilio-Idempotency-Token') ?? '');
  }
  expect(tokens.size).toBe(captured.length);
  expect(tokens.has('')).toBe(false);
}

afterEach(() => vi.restoreAllMocks());

describe('sandbox status callbacks (SANDBOX_CALLBACKS=true)', () => {
  it('a message goes sending → sent → delivered (none for queued), signed with the auth token', async () => {
    const captured = captureCallbacks();
    const { status, json } = await send('sendSms', { ...sms, statusCallback: HOOK });
    expect(status).toBe(200);
    const sid = json.contextWrites.to.sid;
    expect(captured.map((cb) => cb.params.get('MessageStatus'))).toEqual(['sending', 'sent', 'delivered']);
    expect(captured.map((cb) => cb.params.get('SmsStatus'))).toEqual(['sending', 'sent', 'delivered']);
    for (const cb of captured) {
      expect(Object.fromEntries(cb.params)).toMatchObject({
        AccountSid: ACCOUNT,
        ApiVersion: '2010-04-01',
        MessageSid: sid,
        SmsSid: sid,
        From: sms.from,
        To: sms.to,
      });
      expect(cb.params.has('ErrorCode')).toBe(false);
    }
    await expectSigned(captured, HOOK, TOKEN);
  });

  it.each([
    ['+15005553003', ['sending', 'sent', 'undelivered'], '30003'],
    ['+15005553005', ['sending', 'sent', 'undelivered'], '30005'],
    ['+15005553001', ['sending', 'failed'], '30001'],
  ])('a message to %s ends %j with ErrorCode %s', async (to, statuses, code) => {
    const captured = captureCallbacks();
    const { status } = await send('sendSms', { ...sms, to, statusCallback: HOOK });
    expect(status).toBe(200);
    expect(captured.map((cb) => cb.params.get('MessageStatus'))).toEqual(statuses);
    expect(captured.at(-1)?.params.get('ErrorCode')).toBe(code);
    expect(captured.slice(0, -1).some((cb) => cb.params.has('ErrorCode'))).toBe(false);
    await expectSigned(captured, HOOK, TOKEN);
  });

  it('a call goes initiated → ringing → in-progress → completed for all four events', async () => {
    const captured = captureCallbacks();
    const { json } = await send('makeCall', {
      ...call,
      statusCallback: HOOK,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    const sid = json.contextWrites.to.sid;
    expect(captured.map((cb) => cb.params.get('CallStatus'))).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'completed',
    ]);
    expect(captured.map((cb) => cb.params.get('SequenceNumber'))).toEqual(['0', '1', '2', '3']);
    for (const cb of captured) {
      expect(Object.fromEntries(cb.params)).toMatchObject({
        AccountSid: ACCOUNT,
        CallSid: sid,
        From: call.from,
        To: call.to,
        Direction: 'outbound-api',
        CallbackSource: 'call-progress-events',
      });
      expect(cb.params.get('Timestamp')).toMatch(/ \+0000$/);
    }
    expect(captured[3]?.params.get('CallDuration')).toMatch(/^\d+$/);
    expect(captured[0]?.params.has('CallDuration')).toBe(false);
    await expectSigned(captured, HOOK, TOKEN);
  });

  it('a call with no StatusCallbackEvent gets only completed, as Twilio sends', async () => {
    const captured = captureCallbacks();
    await send('makeCall', { ...call, statusCallback: HOOK });
    expect(captured.map((cb) => cb.params.get('CallStatus'))).toEqual(['completed']);
  });

  it('StatusCallbackMethod GET puts the params in the query and signs the URL alone', async () => {
    const captured = captureCallbacks();
    await send('makeCall', {
      ...call,
      statusCallback: HOOK,
      statusCallbackMethod: 'GET',
      statusCallbackEvent: 'ringing completed',
    });
    expect(captured).toHaveLength(2);
    for (const cb of captured) {
      expect(cb.method).toBe('GET');
      const url = new URL(cb.url);
      expect(url.searchParams.get('tenant')).toBe('7');
      expect(url.searchParams.get('CallStatus')).toMatch(/^(ringing|completed)$/);
      expect([...cb.params]).toEqual([]);
      expect(await isValidTwilioSignature(TOKEN, cb.headers.get('X-Twilio-Signature') ?? '', cb.url)).toBe(true);
    }
  });

  it('stored API-key credentials: signed with the account token (the demo one without TWILIO_AUTH_TOKEN), never the key secret', async () => {
    const captured = captureCallbacks();
    const { accountSid: _, accountToken: __, ...rest } = sms;
    // The demo token signs only on a local run: off one, sandbox mode without its own token is a config error.
    const overrides = {
      SANDBOX_LOCAL: 'true',
      TWILIO_AUTH_TOKEN: '',
      TWILIO_API_KEY_SID: 'SK0123456789abcdef0123456789abcdef',
      TWILIO_API_KEY_SECRET: 'api-key-secret',
    };
    await send('sendSms', { ...rest, statusCallback: HOOK }, overrides);
    expect(captured).toHaveLength(3);
    await expectSigned(captured, HOOK, 'sandbox-demo-token');
    for (const cb of captured) {
      const signature = cb.headers.get('X-Twilio-Signature') ?? '';
      expect(await isValidTwilioSignature('api-key-secret', signature, cb.url, cb.params)).toBe(false);
    }
  });

  it('a URL fragment (#ct=…) is not sent, and on a local run credentials in the URL become Basic auth', async () => {
    const captured = captureCallbacks();
    await send('sendSms', { ...sms, statusCallback: 'https://u:p@hooks.example.com/s#rc=2' }, LOCAL);
    expect(captured[0]?.url).toBe('https://hooks.example.com/s');
    expect(captured[0]?.headers.get('Authorization')).toBe(`Basic ${btoa('u:p')}`);
  });

  it('non-Latin-1 credentials in the URL are sent as UTF-8 Basic auth on a local run', async () => {
    const captured = captureCallbacks();
    await send('sendSms', { ...sms, statusCallback: 'https://j%C3%BCrgen:%E2%82%AC@hooks.example.com/s' }, LOCAL);
    expect(captured).toHaveLength(3);
    const utf8 = String.fromCharCode(...new TextEncoder().encode('jürgen:€'));
    expect(captured[0]?.headers.get('Authorization')).toBe(`Basic ${btoa(utf8)}`);
  });

  it('a failing receiver does not stop the sequence nor the answer', async () => {
    let n = 0;
    const captured = captureCallbacks(() => {
      n++;
      if (n === 1) throw new TypeError('connection refused');
      return new Response('oops', { status: 500 });
    });
    const { status } = await send('sendSms', { ...sms, statusCallback: HOOK });
    expect(status).toBe(200);
    expect(captured.map((cb) => cb.params.get('MessageStatus'))).toEqual(['sending', 'sent', 'delivered']);
  });

  it('sends nothing without SANDBOX_CALLBACKS, without statusCallback, or on a refused send', async () => {
    const captured = captureCallbacks();
    const off = await send('sendSms', { ...sms, statusCallback: HOOK }, { SANDBOX_CALLBACKS: 'false' });
    expect(off.status).toBe(200);
    expect(off.pending).toHaveLength(0);
    await send('sendSms', sms);
    await send('sendSms', { ...sms, to: '+15005550009', statusCallback: HOOK });
    await send('makeCall', { ...call, applicationSid: `AP${'1'.repeat(32)}`, url: '', statusCallback: HOOK });
    expect(captured).toHaveLength(0);
  });
});

describe('callbacks due after the waitUntil window go to a Durable Object of the record (LateCallbacks)', () => {
  /** The LateCallbacks object of a record, and what it keeps. */
  const lateOf = (sid: string) => env.LATE_CALLBACKS.get(env.LATE_CALLBACKS.idFromName(sid));
  const keptBy = (sid: string) =>
    runInDurableObject(lateOf(sid), async (_, state) => ({
      state: await state.storage.get<{ next: number; pending: LateRequest[] }>('state'),
      alarm: await state.storage.getAlarm(),
    }));
  /** Moves every kept callback's due time to the past, as if the clock had reached them. */
  const makeDue = (sid: string) =>
    runInDurableObject(lateOf(sid), async (_, state) => {
      const kept = await state.storage.get<{ next: number; pending: LateRequest[] }>('state');
      if (!kept) return;
      await state.storage.put('state', { ...kept, pending: kept.pending.map((r) => ({ ...r, due: Date.now() - 1 })) });
    });
  /** The callbacks a request describes, as a receiver reads them. */
  const paramsOf = (requests: readonly LateRequest[]) =>
    requests.map((r) => Object.fromEntries(new URLSearchParams(r.body ?? '')));
  const realTime = { SANDBOX_SPEED: '1' };

  it('a call that rings a minute (no-answer) keeps its ending for the alarm, which sends it signed, once', async () => {
    const captured = captureCallbacks();
    const before = Date.now();
    const { json } = await send('makeCall', { ...call, to: '+15005550021', statusCallback: HOOK }, realTime);
    const sid = json.contextWrites.to.sid;
    expect(captured).toHaveLength(0);
    const { state, alarm } = await keptBy(sid);
    expect(paramsOf(state?.pending ?? [])).toEqual([
      expect.objectContaining({
        CallSid: sid,
        CallStatus: 'no-answer',
        SipResponseCode: '487',
        SequenceNumber: '0',
        CallDuration: '0',
      }),
    ]);
    // Ringing 60 s (Twilio's default Timeout) from 1.5 s: due 61.5 s after the call was created, on a real clock.
    const due = state?.pending[0]?.due ?? 0;
    expect(due).toBeGreaterThanOrEqual(before + 61_500);
    expect(alarm).toBe(due);
    await makeDue(sid);
    expect(await runDurableObjectAlarm(lateOf(sid))).toBe(true);
    expect(captured.map((cb) => cb.params.get('CallStatus'))).toEqual(['no-answer']);
    await expectSigned(captured, HOOK, TOKEN);
    // Sent, and the object forgets the record: a second alarm has nothing to send.
    expect(await keptBy(sid)).toEqual({ state: undefined, alarm: null });
    expect(await runDurableObjectAlarm(lateOf(sid))).toBe(false);
    expect(captured).toHaveLength(1);
  });

  it('a scheduled message keeps all its callbacks, numbered as the record runs, and nothing goes in the window', async () => {
    const captured = captureCallbacks();
    // Whole seconds, as the block sends SendAt: the first callback is due exactly then.
    const sendAt = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000).toISOString();
    const { json } = await send(
      'sendSms',
      {
        ...sms,
        from: undefined,
        messagingServiceSid: `MG${'5'.repeat(32)}`,
        scheduleType: 'fixed',
        sendAt,
        statusCallback: HOOK,
      },
      realTime,
    );
    const sid = json.contextWrites.to.sid;
    expect(json.contextWrites.to.status).toBe('scheduled');
    const { state } = await keptBy(sid);
    expect(paramsOf(state?.pending ?? []).map((p) => p.MessageStatus)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    expect(state?.pending[0]?.due).toBe(Date.parse(sendAt));
    await makeDue(sid);
    await runDurableObjectAlarm(lateOf(sid));
    expect(captured.map((cb) => cb.params.get('MessageStatus'))).toEqual(['queued', 'sending', 'sent', 'delivered']);
    await expectSigned(captured, HOOK, TOKEN);
  });

  it('a hang-up while it rings replaces what was not sent: canceled goes out, no-answer never', async () => {
    const captured = captureCallbacks();
    const { json } = await send('makeCall', { ...call, to: '+15005550021', statusCallback: HOOK }, realTime);
    const sid = json.contextWrites.to.sid;
    const { accountSid, accountToken } = call;
    const update = await send('updateCall', { accountSid, accountToken, sid, status: 'canceled' }, realTime);
    expect(update.json.contextWrites.to.status).toBe('canceled');
    // The ending is due now: the alarm may already have sent it; else it is run here.
    const { state } = await keptBy(sid);
    if (state) expect(paramsOf(state.pending).map((p) => p.CallStatus)).toEqual(['canceled']);
    await makeDue(sid);
    await runDurableObjectAlarm(lateOf(sid));
    for (let i = 0; i < 200 && captured.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(captured.map((cb) => cb.params.get('CallStatus'))).toEqual(['canceled']);
    expect(captured[0]?.params.get('SipResponseCode')).toBe('487');
    expect(await keptBy(sid)).toEqual({ state: undefined, alarm: null });
  });

  it('what was sent is never sent again when the timeline is handed over once more', async () => {
    const captured = captureCallbacks();
    const { json } = await send(
      'makeCall',
      { ...call, to: '+15005550021', statusCallback: HOOK, statusCallbackEvent: ['initiated', 'ringing', 'completed'] },
      realTime,
    );
    const sid = json.contextWrites.to.sid;
    const { state } = await keptBy(sid);
    const requests = state?.pending ?? [];
    expect(paramsOf(requests).map((p) => p.CallStatus)).toEqual(['initiated', 'ringing', 'no-answer']);
    // The first two are sent; the same timeline handed over again leaves only the third to send.
    await runInDurableObject(lateOf(sid), (instance) =>
      (instance as unknown as { schedule(r: LateRequest[]): Promise<void> }).schedule(
        requests.map((r, i) => (i < 2 ? { ...r, due: Date.now() - 1 } : r)),
      ),
    );
    await runDurableObjectAlarm(lateOf(sid));
    for (let i = 0; i < 200 && captured.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await lateOf(sid).schedule(requests);
    expect(paramsOf((await keptBy(sid)).state?.pending ?? []).map((p) => p.CallStatus)).toEqual(['no-answer']);
    expect(captured.map((cb) => cb.params.get('CallStatus'))).toEqual(['initiated', 'ringing']);
  });
});

describe('a deployed sandbox is no way into its own network (issue 23)', () => {
  const keyless = { 'Content-Type': 'application/json' };

  it.each([
    'http://localhost/api/Twilio/sendSms',
    'http://127.0.0.1/api/Twilio/sendSms',
    'http://[::1]:1/api/Twilio/sendSms',
    'http://LOCALHOST/api/Twilio/sendSms',
  ])('a keyless caller who writes the Host as a local name (%s) gets no callbacks', async (url) => {
    const captured = captureCallbacks();
    const { status } = await send('sendSms', { ...sms, statusCallback: HOOK }, {}, { url, headers: keyless });
    expect(status).toBe(200);
    expect(captured).toHaveLength(0);
  });

  it('a keyless caller gets callbacks on a local run, which SANDBOX_LOCAL declares', async () => {
    const captured = captureCallbacks();
    await send('sendSms', { ...sms, statusCallback: HOOK }, LOCAL, { headers: keyless });
    expect(captured.map((cb) => cb.params.get('MessageStatus'))).toEqual(['sending', 'sent', 'delivered']);
  });

  it.each([
    'http://127.0.0.1:18902/internal/admin?do=1',
    'http://localhost:8080/admin',
    'http://10.0.0.7/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:18902/admin',
    'http://metadata.google.internal/computeMetadata/v1/',
  ])('off a local run, even a keyed caller gets no callback to the private address %s', async (target) => {
    const captured = captureCallbacks();
    const { status } = await send('sendSms', { ...sms, statusCallback: target });
    expect(status).toBe(200);
    expect(captured).toHaveLength(0);
  });

  it('on a local run, callbacks go to localhost', async () => {
    const captured = captureCallbacks();
    await send('sendSms', { ...sms, statusCallback: 'http://127.0.0.1:18902/hook' }, LOCAL);
    expect(captured).toHaveLength(3);
    expect(captured[0]?.url).toBe('http://127.0.0.1:18902/hook');
  });

  it('off a local run, credentials in a GET callback URL are not sent as Authorization', async () => {
    const captured = captureCallbacks();
    await send('makeCall', {
      ...call,
      statusCallback: 'https://admin:hunter2@hooks.example.com/admin?cmd=reboot',
      statusCallbackMethod: 'GET',
    });
    expect(captured).toHaveLength(1);
    expect(captured[0]?.url).toMatch(/^https:\/\/hooks\.example\.com\/admin\?cmd=reboot&/);
    expect(captured[0]?.headers.get('Authorization')).toBeNull();
  });

  it(`at most ${MAX_DELIVERIES} deliveries run at once: a flood to a receiver that hangs gets no more, and a freed slot is used again`, async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push(new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer())).get('MessageSid') ?? '');
      await gate;
      return new Response(null, { status: 204 });
    });
    const sids: string[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < MAX_DELIVERIES + 8; i++) {
      const answer = await send('sendSms', { ...sms, statusCallback: HOOK }, {}, { awaited: false });
      sids.push(answer.json.contextWrites.to.sid);
      pending.push(...answer.pending);
    }
    release();
    await Promise.all(pending);
    const called = new Set(seen);
    expect(sids.slice(0, MAX_DELIVERIES).every((sid) => called.has(sid))).toBe(true);
    expect(sids.slice(MAX_DELIVERIES).some((sid) => called.has(sid))).toBe(false);
    const after = await send('sendSms', { ...sms, statusCallback: HOOK });
    expect(seen.filter((sid) => sid === after.json.contextWrites.to.sid)).toHaveLength(3);
  });
});
