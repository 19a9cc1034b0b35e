import { env } from 'cloudflare:workers';
import { app } from '../../src/http/app';
import { historyOf } from '../../src/status/store';
import { twilioSignature } from '../../src/twilio/signature';
import { ENV_ACCOUNT, ENV_TOKEN, envWith } from '../helpers';

/** The gateway's public address in these tests. */
export const GATEWAY = 'https://gateway.example.com';
export const RECEIVER = `${GATEWAY}/twilio/status`;
/** The receiver as a tracked send gives it to Twilio (status/track.ts): with a correlation id. */
export const TRACKED = `${RECEIVER}?cid=corr-0`;

/** A fresh message SID, so that each test has a record of its own. */
export const messageSid = () => `SM${crypto.randomUUID().replaceAll('-', '')}`;
export const callSid = () => `CA${crypto.randomUUID().replaceAll('-', '')}`;

/** A message's status callback fields, as Twilio sends them for the Worker's account. */
export const messageFields = (sid: string, status: string, extra: Record<string, string> = {}) => ({
  AccountSid: ENV_ACCOUNT,
  ApiVersion: '2010-04-01',
  From: '+15005550006',
  MessageSid: sid,
  MessageStatus: status,
  SmsSid: sid,
  SmsStatus: status,
  To: '+14155550100',
  ...extra,
});

export interface CallbackOptions {
  /** The URL Twilio calls (and signs unless `signedUrl`): TRACKED by default. */
  url?: string;
  signedUrl?: string;
  token?: string;
  /** The idempotency token; a fresh one by default. */
  idempotency?: string;
  method?: 'GET' | 'POST';
  /** A signature to send instead of the right one (null: none). */
  signature?: string | null;
  env?: Record<string, string | undefined>;
  /** More request headers (CF-Connecting-IP). */
  headers?: Record<string, string>;
  /** Answer without awaiting the work the receiver leaves (the forward): it is returned in `pending`. */
  leaveWork?: boolean;
}

/**
 * Sends a status callback to the receiver through the real app, signed as Twilio signs it (the form's fields, or
 * for GET the URL with the fields in its query), and awaits the work it leaves (the forward).
 */
export async function postCallback(fields: Record<string, string>, options: CallbackOptions = {}) {
  const params = new URLSearchParams(fields);
  let url = options.url ?? TRACKED;
  const method = options.method ?? 'POST';
  if (method === 'GET') {
    const withQuery = new URL(url);
    for (const [name, value] of params) withQuery.searchParams.append(name, value);
    url = withQuery.href;
  }
  const signed = options.signedUrl ?? url;
  const signature =
    options.signature !== undefined
      ? options.signature
      : await twilioSignature(options.token ?? ENV_TOKEN, signed, method === 'GET' ? undefined : params);
  const headers: Record<string, string> = {
    'I-Twilio-Idempotency-Token': options.idempotency ?? crypto.randomUUID(),
    'User-Agent': 'TwilioProxy/1.1',
  };
  if (signature !== null) headers['X-Twilio-Signature'] = signature;
  Object.assign(headers, options.headers);
  if (method === 'POST') headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
  const res = await app.request(
    url,
    { method, headers, body: method === 'POST' ? params.toString() : null },
    envWith(options.env),
    ctx as unknown as ExecutionContext,
  );
  const json = (await res.json()) as Record<string, any>;
  if (!options.leaveWork) await Promise.all(pending);
  return { status: res.status, json, res, pending };
}

/** The recorded history of a SID (undefined when none). */
export const historyFor = (sid: string) => historyOf(env, sid);

/** The Durable Object holding a SID's record. */
export const storeOf = (sid: string) => env.STATUS.get(env.STATUS.idFromName(sid));
