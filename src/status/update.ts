import * as v from 'valibot';
import { sidPattern } from '../twilio/api';
import { bodySha256 } from '../twilio/signature';

/** One status callback, as recorded: what ordering, the timeline and the forward need. */
export interface StatusUpdate {
  readonly sid: string;
  readonly kind: 'message' | 'call';
  readonly accountSid: string;
  readonly status: string;
  readonly errorCode: string | null;
  /** A call's progress event number (SequenceNumber). */
  readonly sequence?: number | undefined;
  /** When it happened: Twilio's Timestamp (calls), else when it was received (ISO 8601). */
  readonly at: string;
  /** Twilio's I-Twilio-Idempotency-Token (the same on its retries), else a digest of the fields. */
  readonly token: string;
  /** Twilio's fields as sent (bounded), for the caller's forward. */
  readonly fields: Readonly<Record<string, string>>;
  /** Fetched by reconciliation (send/reconcile.ts), not called back. */
  readonly reconciled?: true;
}

const sid = (prefix: string) => v.pipe(v.string(), v.regex(sidPattern(prefix)));
const status = v.pipe(v.string(), v.regex(/^[a-z][a-z_-]{0,31}$/));
const code = v.optional(v.pipe(v.string(), v.regex(/^\d{0,6}$/)));
const common = { AccountSid: sid('AC'), ErrorCode: code };

/** Twilio's fields: a message's (MessageSid, MessageStatus) or a call's (CallSid, CallStatus, SequenceNumber…). */
const Callback = v.union([
  v.object({ ...common, MessageSid: sid('SM|MM'), MessageStatus: status }),
  v.object({
    ...common,
    CallSid: sid('CA'),
    CallStatus: status,
    SequenceNumber: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/), v.transform(Number))),
    Timestamp: v.optional(v.pipe(v.string(), v.maxLength(64))),
  }),
]);

/** At most this many of Twilio's fields are kept for the forward, each name and value bounded. */
const MAX_FIELDS = 64;
/**
 * And at most this many bytes of them as JSON (UTF-8): a store's outbox holds up to 32 updates in one stored
 * value, so 32 of the largest stay near 250 KB, far under a Durable Object's 2 MB. Twilio's own fields take
 * 1 to 2 KB.
 */
const MAX_FIELDS_BYTES = 8192;
const utf8 = new TextEncoder();
const TOKEN = /^[\x21-\x7e]{1,128}$/;

/** A callback's token when Twilio sent none: the SHA-256 of its fields, sorted by name. */
async function digestOf(fields: Record<string, string>): Promise<string> {
  return `sha256:${await bodySha256(JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))))}`;
}

/** The callback's fields as a status update; undefined when it names no message or call status. */
export async function readUpdate(params: URLSearchParams, token: string | null): Promise<StatusUpdate | undefined> {
  const all = Object.fromEntries(params);
  const parsed = v.safeParse(Callback, all);
  if (!parsed.success) return undefined;
  const fields: Record<string, string> = {};
  // `{}`, then `"name":"value"` and a comma for each field kept; a field that does not fit is left out.
  let bytes = 2;
  for (const [name, value] of Object.entries(all).slice(0, MAX_FIELDS)) {
    if (name.length > 64 || value.length > 1024) continue;
    const size = utf8.encode(JSON.stringify(name) + JSON.stringify(value)).length + 2;
    if (bytes + size > MAX_FIELDS_BYTES) continue;
    fields[name] = value;
    bytes += size;
  }
  const cb = parsed.output;
  const timestamp = 'Timestamp' in cb && cb.Timestamp ? Date.parse(cb.Timestamp) : Number.NaN;
  return {
    ...('MessageSid' in cb
      ? { sid: cb.MessageSid, kind: 'message', status: cb.MessageStatus }
      : { sid: cb.CallSid, kind: 'call', status: cb.CallStatus, sequence: cb.SequenceNumber }),
    accountSid: cb.AccountSid,
    errorCode: cb.ErrorCode || null,
    at: new Date(Number.isNaN(timestamp) ? Date.now() : timestamp).toISOString(),
    token: token && TOKEN.test(token) ? token : await digestOf(all),
    fields,
  };
}
