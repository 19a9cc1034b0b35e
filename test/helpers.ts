import { env } from 'cloudflare:workers';
import { expect, vi } from 'vitest';
import type { Block, Value } from '../src/blocks';
import { makeCall } from '../src/blocks/make-call';
import { sendMms, sendSms } from '../src/blocks/messages';
import { app } from '../src/http/app';
import type { SendMessage } from '../src/send/queue';

export const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
export const TOKEN = 'request-token-s3cr3t';

/** The test Worker env (fake secrets from vitest.config.ts) with overrides; a new object, so config is re-read. */
/** The caller key of the test Worker env (vitest.config.ts's API_KEYS); the helpers present it by default. */
export const CALLER_KEY = 'test-suite-caller-key-0123456789';

/** `init`'s headers, with the suite's caller key unless the request names a key of its own. */
function withKey(headers: HeadersInit | undefined): Headers {
  const out = new Headers(headers);
  if (!out.has('authorization') && !out.has('x-api-key')) out.set('X-API-Key', CALLER_KEY);
  return out;
}

export const envWith = (overrides: Record<string, string | undefined> = {}) => ({ ...env, ...overrides }) as Env;

/** POSTs JSON to a block through the real app (with the suite's caller key) and returns status, parsed body and the response. */
export async function post(block: string, body: unknown, overrides: Record<string, string | undefined> = {}) {
  const res = await app.request(
    `/api/Twilio/${block}`,
    { method: 'POST', headers: withKey({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) },
    envWith(overrides),
  );
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, any>, res };
}

/** The `contextWrites.to` of an error envelope. */
export const errorText = (json: Record<string, any>) => {
  if (json.callback !== 'error') throw new Error(`expected an error envelope, got ${JSON.stringify(json)}`);
  return json.contextWrites.to as string;
};

/**
 * A minimal valid input of a block, from its table: the first field of each required group with the
 * table's example value, in table order; no credentials.
 */
export function minimalInput(block: Block): Record<string, Value> {
  const required = new Set(block.requires.map((group) => group.anyOf[0]));
  return Object.fromEntries(
    Object.values(block.fields)
      .filter((field) => required.has(field.name))
      .map((field) => [field.name, field.example]),
  );
}

/** `minimalInput` with the request's own credentials, where every value is a string (so it also posts as a form). */
function stringInput(block: Block): Record<string, string> {
  const input: Record<string, string> = { accountSid: ACCOUNT, accountToken: TOKEN };
  for (const [name, value] of Object.entries(minimalInput(block))) {
    if (typeof value !== 'string') throw new Error(`${block.name}.${name}: the example is not a string`);
    input[name] = value;
  }
  return input;
}

/** Valid requests with the request's own credentials: from, to and url / body / mediaUrl, the tables' examples. */
export const call = stringInput(makeCall);
export const sms = stringInput(sendSms);
export const mms = { accountSid: ACCOUNT, accountToken: TOKEN, ...minimalInput(sendMms) };

/** The fake auth token of the test Worker env (vitest.config.ts); it must never be echoed. */
export const ENV_TOKEN = 'env-secret-token-never-echoed';
/** The account SID of the test Worker env. */
export const ENV_ACCOUNT = 'AC00000000000000000000000000000001';

/**
 * Any request through the real app, presenting the suite's caller key unless it names its own; returns status,
 * the raw text, the parsed JSON (if any) and the response.
 */
export async function send(path: string, init: RequestInit = {}, overrides: Record<string, string | undefined> = {}) {
  const res = await app.request(path, { ...init, headers: withKey(init.headers) }, envWith(overrides));
  const text = await res.text();
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as Record<string, any>, res };
}

/** POSTs a form (urlencoded from URLSearchParams, multipart from FormData) to a block. */
export function postForm(
  block: string,
  form: URLSearchParams | FormData,
  overrides: Record<string, string | undefined> = {},
) {
  const headers: Record<string, string> =
    form instanceof URLSearchParams ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {};
  return send(`/api/Twilio/${block}`, { method: 'POST', headers, body: form }, overrides);
}

const show = (a: unknown): string => {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return `${a.name}: ${a.message} ${a.stack ?? ''} ${String(a.cause ?? '')}`;
  try {
    return JSON.stringify(a) ?? String(a);
  } catch {
    return String(a);
  }
};

/**
 * Captures the console without printing it: console.log/info into `log`, console.error/warn into `error`,
 * and every line, in order, into `all`.
 */
export function captureConsole() {
  const log: string[] = [];
  const error: string[] = [];
  const all: string[] = [];
  const into =
    (lines: string[]) =>
    (...args: unknown[]) => {
      const line = args.map(show).join(' ');
      lines.push(line);
      all.push(line);
    };
  vi.spyOn(console, 'log').mockImplementation(into(log));
  vi.spyOn(console, 'info').mockImplementation(into(log));
  vi.spyOn(console, 'error').mockImplementation(into(error));
  vi.spyOn(console, 'warn').mockImplementation(into(error));
  return { log, error, all };
}

/** Captures console.log, info, warn and error (without printing) and returns every line written. */
export const captureLogs = () => captureConsole().all;

/** The `error` sibling of an error envelope. */
export interface ErrorSibling {
  status: number;
  code: number | null;
  moreInfo: string | null;
  retryable: boolean;
  source: 'twilio' | 'gateway';
  /** How to fix it (additive); expectError checks it only when asked, with a string or a pattern. */
  hint?: string | RegExp;
}

/**
 * Asserts an answer is exactly the documented error envelope: status, string and the `error` sibling (its
 * `source` is `twilio` when there is a Twilio code, unless stated).
 */
export function expectError(
  answer: { status: number; json: Record<string, any> },
  status: number,
  text: string,
  error: Partial<ErrorSibling> = {},
) {
  const code = error.code ?? null;
  const { hint, ...sibling } = (answer.json.error ?? {}) as Record<string, unknown>;
  if (error.hint !== undefined) expect(hint).toMatch(error.hint);
  // A hint is a sentence when there is one.
  if (hint !== undefined) expect(hint).toEqual(expect.any(String));
  expect({ ...answer.json, error: sibling }).toEqual({
    callback: 'error',
    contextWrites: { to: text },
    error: {
      status: error.status ?? status,
      code,
      moreInfo:
        error.moreInfo !== undefined
          ? error.moreInfo
          : code === null
            ? null
            : `https://www.twilio.com/docs/errors/${code}`,
      retryable: error.retryable ?? false,
      // Twilio's rules carry Twilio's codes; the gateway's own refusals carry none (Twilio's code-less 5xx say so).
      source: error.source ?? (code === null ? 'gateway' : 'twilio'),
    },
  });
  expect(answer.status).toBe(status);
}

/** A queue producer that keeps what it is given, in place of SENDS or SENDS_DLQ. */
export function queueSpy() {
  const sent: SendMessage[] = [];
  const queue = {
    send: async (body: SendMessage) => {
      sent.push(structuredClone(body));
    },
    sendBatch: async () => {},
  } as unknown as Queue;
  return { sent, queue };
}
