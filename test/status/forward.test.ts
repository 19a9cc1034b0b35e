import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPublicTarget } from '../../src/limits/public-target';
import { verifySignature } from '../../src/recipes/verify';
import { signatureHeader } from '../../src/status/forward';
import { MAX_FORWARD_ATTEMPTS } from '../../src/status/store';
import { readUpdate } from '../../src/status/update';
import { ENV_ACCOUNT } from '../helpers';
import { callSid, historyFor, messageFields, messageSid, postCallback, RECEIVER, storeOf } from './helpers';

/** The Worker's WEBHOOK_SECRETS in the tests (vitest.config.ts): Standard Webhooks' own test secret. */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOOK = 'https://hooks.example.com/twilio-updates?tenant=7';

interface Forwarded {
  url: string;
  headers: Headers;
  body: string;
  redirect: string | undefined;
  signal: boolean;
}

/** Catches the forwards (outbound fetches) and answers each with `answer()`. */
function catchForwards(
  answer: (forward: Forwarded) => Response | Promise<Response> = () => new Response(null, { status: 204 }),
) {
  const caught: Forwarded[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const forward = {
      url: request.url,
      headers: request.headers,
      body: await request.text(),
      redirect: init?.redirect,
      signal: init?.signal instanceof AbortSignal,
    };
    caught.push(forward);
    return answer(forward);
  });
  return caught;
}

/** A receiver URL as status/track.ts makes it: a correlation id and the caller's URL. */
const tracked = (forward = HOOK, cid = 'corr-1') => `${RECEIVER}?cid=${cid}&forward=${encodeURIComponent(forward)}`;

/** True when a forward carries a valid Standard Webhooks signature under SECRET. */
const verified = (f: Forwarded) =>
  verifySignature('standard', SECRET, { headers: f.headers, body: new TextEncoder().encode(f.body), url: f.url });

const statusOf = (f: Forwarded) => JSON.parse(f.body).data.status as string;

afterEach(() => vi.restoreAllMocks());

describe('forwarding to the caller (Standard Webhooks)', () => {
  it('an update is forwarded to the caller URL, signed, with its timestamp and correlation id', async () => {
    const caught = catchForwards();
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent'), { url: tracked() });
    expect(answer.status).toBe(200);
    expect(caught).toHaveLength(1);
    const [forward] = caught as [Forwarded];
    expect(forward.url).toBe(HOOK);
    expect(forward.redirect).toBe('manual');
    expect(forward.signal).toBe(true);
    expect(forward.headers.get('content-type')).toBe('application/json');
    expect(forward.headers.get('webhook-id')).toBe(`msg_${sid}_1`);
    expect(forward.headers.get('webhook-timestamp')).toMatch(/^\d{10}$/);
    expect(forward.headers.get('webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(await verified(forward)).toBe(true);
    const payload = JSON.parse(forward.body);
    expect(payload).toMatchObject({
      type: 'message.status',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { sid, status: 'sent', errorCode: null, correlationId: 'corr-1', fields: messageFields(sid, 'sent') },
    });
    // The signature covers the body: a changed body no longer verifies.
    expect(await verified({ ...forward, body: forward.body.replace('sent', 'delivered') })).toBe(false);
  });

  it('the signature header is the Standard Webhooks vector for its id, timestamp and body', async () => {
    const header = await signatureHeader(
      [SECRET],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      '1614265330',
      '{"test": 2432232314}',
    );
    expect(header).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const rotated = await signatureHeader([SECRET, `whsec_${btoa('another secret of 24 bytes!')}`], 'i', '1', 'b');
    expect(rotated.split(' ')).toHaveLength(2);
  });

  it('deduplicated and in order: retries, duplicates and late statuses are not forwarded', async () => {
    const caught = catchForwards();
    const sid = messageSid();
    const url = tracked();
    await postCallback(messageFields(sid, 'sent'), { url, idempotency: 'evt-1' });
    await postCallback(messageFields(sid, 'sent'), { url, idempotency: 'evt-1' });
    await postCallback(messageFields(sid, 'delivered'), { url, idempotency: 'evt-2' });
    await postCallback(messageFields(sid, 'sent'), { url, idempotency: 'evt-3' });
    await postCallback(messageFields(sid, 'delivered'), { url, idempotency: 'evt-4' });
    await postCallback(messageFields(sid, 'read'), { url, idempotency: 'evt-5' });
    expect(caught.map(statusOf)).toEqual(['sent', 'delivered', 'read']);
    expect(caught.map((f) => f.headers.get('webhook-id'))).toEqual([1, 2, 3].map((n) => `msg_${sid}_${n}`));
    for (const forward of caught) expect(await verified(forward)).toBe(true);
  });

  it('an update arriving before an earlier one forwards only the later status', async () => {
    const caught = catchForwards();
    const sid = messageSid();
    await postCallback(messageFields(sid, 'delivered'), { url: tracked() });
    await postCallback(messageFields(sid, 'sent'), { url: tracked() });
    expect(caught.map(statusOf)).toEqual(['delivered']);
  });

  it('a failing forward never holds up the answer to Twilio, and is retried by the alarm with the same id', async () => {
    let fail = true;
    const caught = catchForwards(() => new Response('down', { status: fail ? 503 : 200 }));
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent'), { url: tracked() });
    expect(answer.status).toBe(200);
    expect(answer.json.recorded).toBe(true);
    expect(caught).toHaveLength(1);
    const store = storeOf(sid);
    // The retry waits on the alarm (backoff), not on the receiver.
    expect(await runInDurableObject(store, (_, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now());
    // A later update waits behind the failed one: the caller never sees delivered before sent.
    await postCallback(messageFields(sid, 'delivered'), { url: tracked() });
    expect(caught).toHaveLength(1);
    fail = false;
    expect(await runDurableObjectAlarm(store)).toBe(true);
    expect(caught.map(statusOf)).toEqual(['sent', 'sent', 'delivered']);
    expect(caught[1]?.headers.get('webhook-id')).toBe(caught[0]?.headers.get('webhook-id'));
    for (const forward of caught) expect(await verified(forward)).toBe(true);
  });

  it('the answer to Twilio does not wait for the forward', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const caught = catchForwards(async () => {
      await gate;
      return new Response(null, { status: 204 });
    });
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent'), { url: tracked(), leaveWork: true });
    // Twilio has its answer while the forward is still waiting on the caller's endpoint.
    expect(answer.status).toBe(200);
    expect(answer.pending).toHaveLength(1);
    release();
    await Promise.all(answer.pending);
    expect(caught.map(statusOf)).toEqual(['sent']);
  });

  it('a redirect is not followed: it counts as a failed attempt', async () => {
    const caught = catchForwards(() => new Response(null, { status: 302, headers: { Location: 'http://127.0.0.1/' } }));
    const sid = messageSid();
    await postCallback(messageFields(sid, 'sent'), { url: tracked() });
    expect(caught.map((f) => f.url)).toEqual([HOOK]);
    expect(caught[0]?.redirect).toBe('manual');
    // Still queued: the alarm tries it again.
    await runDurableObjectAlarm(storeOf(sid));
    expect(caught.map((f) => f.url)).toEqual([HOOK, HOOK]);
  });

  it(`retries are bounded: after ${MAX_FORWARD_ATTEMPTS} attempts an update is dropped and the next one goes`, async () => {
    // The caller's endpoint refuses `sent` for good, and takes `delivered`.
    const caught = catchForwards((f) => new Response(null, { status: statusOf(f) === 'sent' ? 500 : 204 }));
    const sid = messageSid();
    await postCallback(messageFields(sid, 'sent'), { url: tracked() });
    await postCallback(messageFields(sid, 'delivered'), { url: tracked() });
    const store = storeOf(sid);
    for (let i = 1; i < MAX_FORWARD_ATTEMPTS; i++) await runDurableObjectAlarm(store);
    expect(caught.map(statusOf)).toEqual([...Array(MAX_FORWARD_ATTEMPTS).fill('sent'), 'delivered']);
    // Nothing left to forward: the next alarm is the record's expiry, and it forwards nothing more.
    await runDurableObjectAlarm(store);
    expect(caught).toHaveLength(MAX_FORWARD_ATTEMPTS + 1);
    expect((await historyFor(sid))?.status).toBe('delivered');
  });

  it('a callback without a caller URL (or untracked) is recorded and forwarded nowhere', async () => {
    const caught = catchForwards();
    const sid = messageSid();
    await postCallback(messageFields(sid, 'sent'), { url: `${RECEIVER}?cid=only-correlation` });
    await postCallback(messageFields(sid, 'delivered'));
    expect(caught).toHaveLength(0);
    expect((await historyFor(sid))?.status).toBe('delivered');
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://localhost:8080/hook',
    'https://api.localhost/hook',
    'http://10.1.2.3/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://[::1]/hook',
    'http://[fd00:ec2::254]/hook',
    'http://[::ffff:192.168.0.1]/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://printer/hook',
    'ftp://hooks.example.com/hook',
    // What an attacker tries: other spellings of the same hosts.
    'http://0.0.0.0/hook',
    'http://[::]/hook',
    'http://0177.0.0.1/hook',
    'http://[::ffff:7f00:1]/hook',
    'http://[::127.0.0.1]/hook',
    'http://evil.example.com@127.0.0.1/hook',
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://localhost../hook',
    'http://127.0.0.1../hook',
    'http://0x7f.1../hook',
    'http://a.b.internal../hook',
    // IPv6 outside global unicast (site-local, discard, local-use NAT64), and tunnels to an IPv4 address.
    'http://[fec0::1]/hook',
    'http://[100::1]/hook',
    'http://[64:ff9b:1::a00:1]/hook',
    'http://[2::1]/hook',
    'http://[2002:a00:1::]/hook',
    'http://[2001::a00:1]/hook',
  ])('a private or non-http target is never fetched: %s', async (target) => {
    expect(isPublicTarget(target)).toBe(false);
    const caught = catchForwards();
    const sid = messageSid();
    const answer = await postCallback(messageFields(sid, 'sent'), { url: tracked(target) });
    expect(answer.status).toBe(200);
    expect(caught).toHaveLength(0);
    expect((await historyFor(sid))?.status).toBe('sent');
  });

  it.each([
    'https://hooks.example.com/x',
    'http://203.0.113.9:8080/x',
    'https://[2606:4700::1111]/x',
    'https://user:pw@hooks.example.com/x',
    'https://hooks.example.com./x',
    'https://[2001:4860:4860::8888]/x',
    'http://[64:ff9b::808:808]/x',
  ])('a public http(s) target is allowed: %s', (target) => {
    expect(isPublicTarget(target)).toBe(true);
  });

  it('credentials in the caller URL become Basic auth, not part of the URL fetched', async () => {
    const caught = catchForwards();
    await postCallback(messageFields(messageSid(), 'sent'), { url: tracked('https://me:s3cret@hooks.example.com/x') });
    expect(caught[0]?.url).toBe('https://hooks.example.com/x');
    expect(caught[0]?.headers.get('authorization')).toBe(`Basic ${btoa('me:s3cret')}`);
  });
});

describe("bounded: the outbox of updates waiting for the caller's URL", () => {
  /** The largest fields a 64 KB callback carries, as JSON: values of control characters, 3 bytes each in the form
   *  (`%01`) and 6 in JSON (`\u0001`). */
  const padding = (from: number, count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`P${from + i}`, '\u0001'.repeat(1024)]));
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

  it("an update keeps at most 8 KB of Twilio's fields (as JSON, UTF-8), taking those that fit", async () => {
    const fields = { ...messageFields(messageSid(), 'sent'), ...padding(0, 19), Z: 'last' };
    expect(new URLSearchParams(fields).toString().length).toBeLessThan(64 * 1024);
    const update = await readUpdate(new URLSearchParams(fields), null);
    expect(bytes(update?.fields)).toBeLessThanOrEqual(8 * 1024);
    expect(update?.fields).toMatchObject({ MessageStatus: 'sent', Z: 'last' });
    // Multi-byte text counts in UTF-8 bytes: 1024 × '€' is 3 KB.
    const euros = await readUpdate(new URLSearchParams({ ...fields, P0: '€'.repeat(1024) }), null);
    expect(bytes(euros?.fields)).toBeLessThanOrEqual(8 * 1024);
  });

  it("32 of the largest updates held for a failing caller URL stay far under a Durable Object's 2 MB value", async () => {
    catchForwards(() => new Response(null, { status: 500 }));
    const sid = callSid();
    for (let i = 0; i < 33; i++) {
      const fields = { AccountSid: ENV_ACCOUNT, CallSid: sid, CallStatus: 'ringing', SequenceNumber: String(i) };
      const answer = await postCallback({ ...fields, ...padding(0, 19) }, { url: tracked() });
      expect(answer.status).toBe(200);
    }
    const stored = await runInDurableObject(storeOf(sid), (_, state) =>
      state.storage.get<{ outbox: unknown[] }>('state'),
    );
    expect(stored?.outbox).toHaveLength(32);
    expect(bytes(stored)).toBeLessThan(512 * 1024);
  });
});
