import { basicAuthorization } from '../twilio/encoding';
import { rfc2822 } from '../twilio/resources';
import { twilioSignature } from '../twilio/signature';
import { DELIVERY_FAILURES, phoneOf } from './numbers';

/** Where a send's status callbacks go, how, and what each one carries (in order). */
export interface CallbackPlan {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly events: readonly Readonly<Record<string, string>>[];
}

/** A Message's status callbacks: queued → sent → delivered, or the failure its To number asks for. */
export function messagePlan(
  message: { sid: string; account_sid: string; from: string | null; to: string; api_version: string },
  url: string,
): CallbackPlan {
  const base = {
    AccountSid: message.account_sid,
    ApiVersion: message.api_version,
    From: message.from ?? '',
    MessageSid: message.sid,
    SmsSid: message.sid,
    To: message.to,
  };
  const at = (status: string, extra: Record<string, string> = {}) => ({
    ...base,
    MessageStatus: status,
    SmsStatus: status,
    ...extra,
  });
  const failure = DELIVERY_FAILURES[phoneOf(message.to)];
  const events = !failure
    ? [at('queued'), at('sent'), at('delivered')]
    : failure.status === 'failed'
      ? [at('queued'), at('failed', { ErrorCode: String(failure.code) })]
      : [at('queued'), at('sent'), at('undelivered', { ErrorCode: String(failure.code) })];
  return { url, method: 'POST', events };
}

/** Twilio's call progress events and the CallStatus each reports. */
const CALL_EVENTS = [
  ['initiated', 'initiated'],
  ['ringing', 'ringing'],
  ['answered', 'in-progress'],
  ['completed', 'completed'],
] as const;

/** How long one simulated callback delivery may take. */
export const CALLBACK_TIMEOUT_MS = 5000;

/** Seconds the emulated call lasts once answered. */
export const CALL_SECONDS = 7;

/**
 * A Call's status callbacks: initiated → ringing → in-progress → completed, restricted to the events the
 * request asked for in StatusCallbackEvent (only `completed` when it asked for none, as Twilio does).
 */
export function callPlan(
  call: { sid: string; account_sid: string; from: string; to: string; api_version: string },
  url: string,
  method: 'GET' | 'POST',
  requested: readonly string[],
  now: Date,
): CallbackPlan {
  const wanted = new Set(requested.length > 0 ? requested : ['completed']);
  const events = CALL_EVENTS.filter(([event]) => wanted.has(event)).map(([event, status], sequence) => ({
    AccountSid: call.account_sid,
    ApiVersion: call.api_version,
    CallSid: call.sid,
    CallStatus: status,
    Called: call.to,
    Caller: call.from,
    CallbackSource: 'call-progress-events',
    Direction: 'outbound-api',
    From: call.from,
    SequenceNumber: String(sequence),
    Timestamp: rfc2822(new Date(now.getTime() + (event === 'completed' ? CALL_SECONDS * 1000 : 0))),
    To: call.to,
    ...(event === 'completed'
      ? { CallDuration: String(CALL_SECONDS), Duration: String(Math.ceil(CALL_SECONDS / 60)) }
      : {}),
  }));
  return { url, method, events };
}

/**
 * Sends a plan's callbacks one after the other, as Twilio does: form-encoded (or in the query for GET),
 * signed with X-Twilio-Signature under `authToken`, each with its own I-Twilio-Idempotency-Token. A URL
 * fragment (Twilio's `#ct=…&rt=…` tuning) is not sent; credentials in the URL become Basic auth. A failed
 * delivery does not stop the sequence.
 */
export async function deliver(
  plan: CallbackPlan,
  authToken: string,
  send: (request: Request) => Promise<Response>,
): Promise<void> {
  const target = new URL(plan.url);
  target.hash = '';
  const auth = target.username
    ? basicAuthorization(decodeURIComponent(target.username), decodeURIComponent(target.password))
    : undefined;
  target.username = '';
  target.password = '';
  for (const event of plan.events) {
    const params = new URLSearchParams(event);
    const url = new URL(target);
    if (plan.method === 'GET') for (const [name, value] of params) url.searchParams.append(name, value);
    const signature =
      plan.method === 'GET'
        ? await twilioSignature(authToken, url.href)
        : await twilioSignature(authToken, url.href, params);
    const headers: Record<string, string> = {
      'X-Twilio-Signature': signature,
      'I-Twilio-Idempotency-Token': crypto.randomUUID(),
      'User-Agent': 'TwilioProxy/1.1',
      Accept: '*/*',
    };
    if (auth) headers.Authorization = auth;
    if (plan.method === 'POST') headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    // No redirect is followed and each delivery is bounded: the emulator is no relay to wherever a URL points.
    const init: RequestInit = {
      method: plan.method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    };
    if (plan.method === 'POST') init.body = params.toString();
    try {
      const response = await send(new Request(url.href, init));
      await response.body?.cancel();
    } catch {
      // Twilio logs an 11200 in its debugger and carries on; so does the emulator.
    }
  }
}
