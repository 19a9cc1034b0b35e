/**
 * Fault injection (issue #4): a fake Twilio that fails in the ways a real upstream does. For each fault:
 * the exact envelope string and HTTP status, an answer within the timeout plus a margin (a correctness
 * bound, not a speed goal), the exact number of POSTs Twilio saw, and a normal success right after.
 * How each single answer of Twilio's maps to the envelope (5xx, HTML pages, 429, network errors) is
 * client.test.ts's; this file adds what time, the runtime's own fetch, the Worker entry and recovery add.
 */
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { createdResponse, installFakeTwilio, type Seen, twilioErrorResponse } from '../fake-twilio';
import { call, captureLogs, ENV_TOKEN, envWith, sms, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

/** The small Twilio budget of these tests (TWILIO_TIMEOUT_MS). */
const TIMEOUT_MS = 250;
/** Slack for scheduling on a shared 2-core machine; the bound proves "no hang", not speed. */
const MARGIN_MS = 1000;

type Answer = (seen: Seen, attempt: number) => Response | Promise<Response>;
type Via = 'app' | 'worker';

interface Outcome {
  status: number;
  json: Record<string, any>;
  text: string;
  ms: number;
}

/**
 * POSTs a block request either through `app.request` with a test env (TWILIO_TIMEOUT_MS set, plus
 * `overrides`), or through the Worker's entry point `exports.default.fetch` with the Worker's own env.
 */
async function hit(
  via: Via,
  block: string,
  body: unknown,
  timeoutMs = TIMEOUT_MS,
  overrides: Record<string, string> = {},
): Promise<Outcome> {
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const started = Date.now();
  const res =
    via === 'app'
      ? await app.request(`/api/Twilio/${block}`, init, envWith({ TWILIO_TIMEOUT_MS: String(timeoutMs), ...overrides }))
      : await exports.default.fetch(new Request(`https://gateway.test/api/Twilio/${block}`, init));
  const text = await res.text();
  const ms = Date.now() - started;
  return { status: res.status, json: JSON.parse(text) as Record<string, any>, text, ms };
}

/** Installs a fake Twilio that answers with `answer`, and captures the log lines. */
function fault(answer: Answer) {
  const logs = captureLogs();
  const { seen } = installFakeTwilio(answer);
  return { seen, logs };
}

/** Asserts the error envelope exactly, and that no secret shows in it or in the log lines. */
function expectError(out: Outcome, status: number, to: string, logs: readonly string[]) {
  expect(out.status).toBe(status);
  expect(out.json.callback).toBe('error');
  expect(out.json.contextWrites).toEqual({ to });
  for (const secret of [TOKEN, ENV_TOKEN]) {
    expect(out.text).not.toContain(secret);
    for (const line of logs) expect(line).not.toContain(secret);
  }
}

/** The log line of the one request: its status and how many POSTs it says it made. */
function logLine(logs: readonly string[]) {
  const lines = logs.filter((line) => line.startsWith('{"route"'));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as { status: number; attempts: number };
}

/** After a fault, a healthy Twilio again: the next request is served normally (one POST, a 200 success). */
async function expectRecovers(via: Via, block = 'sendSms', body: unknown = sms) {
  vi.restoreAllMocks();
  const { seen } = fault((entry) => createdResponse(entry));
  const out = await hit(via, block, body);
  expect(out.status).toBe(200);
  expect(out.json.callback).toBe('success');
  expect(out.json.contextWrites.to.sid).toMatch(/^(SM|CA)[0-9a-f]{32}$/);
  expect(seen).toHaveLength(1);
}

/** The timeout envelope, answered at the time budget: not before it, and within the margin after it. */
function expectTimedOut(out: Outcome, logs: readonly string[]) {
  expectError(out, 504, TIMED_OUT, logs);
  expect(out.ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.8);
  expect(out.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
}

/** A success after one honoured Retry-After of about a second: two POSTs, within the budget plus the margin. */
function expectWaitedThenSent(out: Outcome, seen: readonly Seen[], budget: number) {
  expect(out.status).toBe(200);
  expect(out.ms).toBeGreaterThanOrEqual(900);
  expect(out.ms).toBeLessThan(budget + MARGIN_MS);
  expect(seen).toHaveLength(2);
}

/** A 201 whose body starts (headers sent) and then never finishes. */
function stalledBody(): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"sid":"SM'));
    },
  });
  return new Response(stream, { status: 201, headers: { 'Content-Type': 'application/json' } });
}

/** A 201 whose connection resets halfway through the body. */
function resetBody(): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"sid":"SM'));
      controller.error(new TypeError('Network connection lost.'));
    },
  });
  return new Response(stream, { status: 201, headers: { 'Content-Type': 'application/json' } });
}

const TIMED_OUT = `[HTTP 504] Unable to create record: Twilio did not answer within ${TIMEOUT_MS} ms`;
const TOO_MANY = '[HTTP 429] Unable to create record: Too many requests';

describe('Twilio answers 5xx, through the Worker entry', () => {
  it('500 with a Twilio error body: 502 with Twilio status and message, one POST (Worker entry)', async () => {
    const { seen, logs } = fault(() => twilioErrorResponse(500, 20500, 'Internal Server Error'));
    const out = await hit('worker', 'sendSms', sms);
    expectError(out, 502, '[HTTP 500] Unable to create record: Internal Server Error', logs);
    expect(out.json.error).toEqual({
      status: 500,
      code: 20500,
      moreInfo: 'https://www.twilio.com/docs/errors/20500',
      // The record may exist after a 5xx: in doubt.
      retryable: false,
      source: 'twilio',
    });
    expect(out.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(seen).toHaveLength(1);
    expect(logLine(logs)).toMatchObject({ status: 502, attempts: 1 });
    await expectRecovers('worker');
  });
});

describe('Twilio answers 429', () => {
  const tooMany = (retryAfter?: string) =>
    twilioErrorResponse(429, 20429, 'Too many requests', retryAfter === undefined ? {} : { 'Retry-After': retryAfter });

  it('Retry-After: 1 within the budget: waits about a second, then success, two POSTs', async () => {
    const budget = 3000;
    const { seen } = fault((entry, attempt) => (attempt === 1 ? tooMany('1') : createdResponse(entry)));
    expectWaitedThenSent(await hit('app', 'sendSms', sms, budget), seen, budget);
    await expectRecovers('app');
  });

  it('Retry-After as an HTTP date within the budget: honoured, then success, two POSTs', async () => {
    const budget = 4000;
    const { seen } = fault((entry, attempt) =>
      attempt === 1 ? tooMany(new Date(Date.now() + 2000).toUTCString()) : createdResponse(entry),
    );
    // An HTTP date has whole seconds: the wait is 1 to 2 s.
    expectWaitedThenSent(await hit('app', 'sendSms', sms, budget), seen, budget);
    await expectRecovers('app');
  });

  it('always 429 without Retry-After and a small budget: at most 4 POSTs, answered within the budget', async () => {
    const { seen, logs } = fault(() => tooMany());
    const out = await hit('app', 'sendSms', sms);
    expectError(out, 429, TOO_MANY, logs);
    expect(out.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeLessThanOrEqual(4);
    expect(logLine(logs).attempts).toBe(seen.length);
    await expectRecovers('app');
  });
});

describe('Twilio hangs', () => {
  it('never answers: 504 at the timeout, one POST, not retried', async () => {
    const { seen, logs } = fault(() => new Promise<Response>(() => {}));
    const out = await hit('app', 'sendSms', sms);
    expectTimedOut(out, logs);
    expect(out.json.error).toMatchObject({ status: 504, retryable: false });
    expect(seen).toHaveLength(1);
    await expectRecovers('app');
  });

  it('sends headers, then never finishes the body: 504 at the timeout, one POST', async () => {
    const { seen, logs } = fault(stalledBody);
    const out = await hit('app', 'makeCall', call);
    expectTimedOut(out, logs);
    expect(seen).toHaveLength(1);
    await expectRecovers('app', 'makeCall', call);
  });

  it('one request hanging does not hold up another: the other is served at once, then the first gets 504', async () => {
    const { seen, logs } = fault((entry) =>
      entry.form.get('Body') === 'hang' ? new Promise<Response>(() => {}) : createdResponse(entry),
    );
    let firstSettled = false;
    const hanging = hit('app', 'sendSms', { ...sms, body: 'hang' }).finally(() => {
      firstSettled = true;
    });
    const other = await hit('app', 'sendSms', sms);
    expect(other.status).toBe(200);
    expect(firstSettled).toBe(false);
    const first = await hanging;
    expectError(first, 504, TIMED_OUT, logs);
    expect(seen).toHaveLength(2);
  });

  it('with ERROR_STATUS=always-200 a timeout is still the 504 string, under HTTP 200 for legacy clients', async () => {
    const { seen, logs } = fault(() => new Promise<Response>(() => {}));
    const started = Date.now();
    const res = await app.request(
      '/api/Twilio/sendSms',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sms) },
      envWith({ TWILIO_TIMEOUT_MS: String(TIMEOUT_MS), ERROR_STATUS: 'always-200' }),
    );
    const text = await res.text();
    expectError({ status: res.status, json: JSON.parse(text), text, ms: Date.now() - started }, 200, TIMED_OUT, logs);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(seen).toHaveLength(1);
    await expectRecovers('app');
  });
});

describe("Twilio hangs, through the runtime's own fetch (no stub: vitest.config.ts's outbound service)", () => {
  const slow = async (host: string) => {
    const logs = captureLogs();
    const out = await hit('app', 'sendSms', sms, TIMEOUT_MS, { TWILIO_API_BASE_URL: `http://${host}` });
    return { out, logs };
  };

  it('no answer: the time budget aborts the fetch, 504 at the timeout', async () => {
    const { out, logs } = await slow('hangs.fault.invalid');
    expectTimedOut(out, logs);
    expect(logLine(logs).attempts).toBe(1);
  });

  it('headers, then a stalled body: the time budget aborts the reading, 504 at the timeout', async () => {
    const { out, logs } = await slow('stalls.fault.invalid');
    expectTimedOut(out, logs);
  });
});

describe('the connection resets', () => {
  it('halfway through the body: 502, in doubt (not retryable), one POST', async () => {
    const { seen, logs } = fault(resetBody);
    const out = await hit('app', 'sendSms', sms);
    expectError(
      out,
      502,
      '[HTTP 502] Unable to create record: Twilio answered HTTP 201 with a body that was cut off',
      logs,
    );
    expect(out.json.error.retryable).toBe(false);
    expect(out.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(seen).toHaveLength(1);
    await expectRecovers('app');
  });
});
