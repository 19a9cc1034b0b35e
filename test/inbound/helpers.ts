import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { app } from '../../src/http/app';
import { inboxOf } from '../../src/inbound/store';
import { type Deliver, emulator, emulatorBindings } from '../../src/sandbox';
import { basicAuthorization } from '../../src/twilio/encoding';
import { twilioSignature } from '../../src/twilio/signature';
import { ENV_ACCOUNT, ENV_TOKEN, envWith } from '../helpers';

/** The gateway's public address in these tests. */
export const GATEWAY = 'https://gateway.example.com';
/** The Twilio number that receives, and the one the suite's sends go out from. */
export const NUMBER = '+15005550006';

/** A receiving number of its own (a test number), so that one test's store and limits meet no other's. */
export const freshNumber = () => `+1500555${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;

/** How many messages and calls a number's store holds (listInbound lists messages only). */
export const recordedBy = (to: string) =>
  runInDurableObject(
    inboxOf(env, to),
    (_, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM received').one().n,
  );

/** A fresh SID of a message or call. */
export const sidOf = (prefix: 'SM' | 'CA') => `${prefix}${crypto.randomUUID().replaceAll('-', '')}`;

/** An incoming message's fields, as Twilio posts them for the Worker's account. */
export const messageFields = (from: string, body: string, extra: Record<string, string> = {}) => ({
  AccountSid: ENV_ACCOUNT,
  ApiVersion: '2010-04-01',
  Body: body,
  From: from,
  MessageSid: sidOf('SM'),
  NumMedia: '0',
  NumSegments: '1',
  SmsStatus: 'received',
  To: NUMBER,
  ...extra,
});

/** An incoming call's fields, as Twilio posts them for the Worker's account. */
export const callFields = (from: string, to = NUMBER) => ({
  AccountSid: ENV_ACCOUNT,
  ApiVersion: '2010-04-01',
  CallSid: sidOf('CA'),
  CallStatus: 'ringing',
  Called: to,
  Caller: from,
  Direction: 'inbound',
  From: from,
  To: to,
});

export interface WebhookOptions {
  readonly path?: string;
  /** The URL the Worker receives (GATEWAY and `path` by default), and the one Twilio signed (the same by default). */
  readonly url?: string;
  readonly signedUrl?: string;
  /** A signature to send instead of the right one (null: none). */
  readonly signature?: string | null;
  readonly token?: string;
  readonly idempotency?: string;
  readonly env?: Record<string, string | undefined>;
  /** Bindings to put in place (a RATE_LIMITER). */
  readonly bindings?: Partial<Env>;
}

/**
 * POSTs a webhook to the real app as Twilio does: the form signed with the account's token over the URL and its
 * fields, with an idempotency token; awaits the work the answer left (a forward).
 */
export async function postWebhook(fields: Record<string, string>, options: WebhookOptions = {}) {
  const url = options.url ?? `${GATEWAY}${options.path ?? '/twilio/messages'}`;
  const params = new URLSearchParams(fields);
  const signature =
    options.signature !== undefined
      ? options.signature
      : await twilioSignature(options.token ?? ENV_TOKEN, options.signedUrl ?? url, params);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    'I-Twilio-Idempotency-Token': options.idempotency ?? crypto.randomUUID(),
  };
  if (signature !== null) headers['X-Twilio-Signature'] = signature;
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
  const res = await app.request(
    url,
    { method: 'POST', headers, body: params.toString() },
    { ...envWith(options.env), ...options.bindings },
    ctx as unknown as ExecutionContext,
  );
  const text = await res.text();
  await Promise.all(pending);
  return { status: res.status, text, res };
}

/** Settings whose opt-out store fails every write, as an unavailable Durable Object does. */
export const OPT_OUTS_FAILING = {
  OPT_OUT_STORE: {
    idFromName: (name: string) => env.OPT_OUT_STORE.idFromName(name),
    get: () => ({ change: () => Promise.reject(new Error('the store is unavailable')) }),
  } as unknown as string,
};

/** The TwiML of an answer with these verbs. */
export const twimlOf = (verbs = '') => `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;

/**
 * One emulator call (Sandbox/Inbound.json): the person sends `fields` to the Worker's webhook `path`, as Twilio
 * would, through `deliver` (the runtime's fetch by default).
 */
export async function actAsThePerson(path: string, fields: Record<string, string>, deliver?: Deliver) {
  const bindings = emulatorBindings(
    { TWILIO_ACCOUNT_SID: ENV_ACCOUNT, TWILIO_AUTH_TOKEN: ENV_TOKEN },
    { callbacks: false, waitUntil: () => {}, deliver },
  );
  const res = await emulator.fetch(
    new Request(`https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Sandbox/Inbound.json`, {
      method: 'POST',
      headers: {
        Authorization: basicAuthorization(ENV_ACCOUNT, ENV_TOKEN),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ Url: `${GATEWAY}${path}`, ...fields }).toString(),
    }),
    bindings,
  );
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}
