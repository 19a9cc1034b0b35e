import { isPublicTarget } from '../limits/public-target';
import { basicAuthorization, FORM_TYPE } from '../twilio/encoding';
import { rfc2822 } from '../twilio/resources';
import { twilioSignature } from '../twilio/signature';
import { phoneOf } from './numbers';
import { dateAt, isKept, realAt, type SandboxRecord, type Step, secondsBetween } from './records';

/** How long one simulated callback delivery may take. */
export const CALLBACK_TIMEOUT_MS = 5000;

/**
 * Delivery loops running at once in one isolate, at most: each holds its record and a callback in flight, so a
 * flood of sends to receivers that hang would otherwise hold memory without bound. Past it, a record's callbacks
 * are not sent, as Twilio gives up on a receiver (an 11200 in its debugger).
 */
export const MAX_DELIVERIES = 32;
let deliveries = 0;

/** How often a waiting delivery loop looks at its record again (a hang-up may have moved its next moment). */
const POLL_MS = 250;

/** The install SID Twilio names in WhatsApp callbacks: one per account here, derived from its SID. */
const channelInstallSid = (accountSid: string) => `XE${accountSid.slice(2)}`;

/** YYMMDDhhmm (UTC), as carriers write `RawDlrDoneDate`. */
function dlrDate(date: Date): string {
  return date.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d).*$/, '$1$2$3$4$5');
}

/** A Message's status callback for one step, as Twilio POSTs it. */
function messageEvent(record: SandboxRecord, step: Step): Record<string, string> {
  const r = record.resource;
  const to = String(r.to);
  const channel = /^([a-z]+):/i.exec(to)?.[1]?.toLowerCase();
  const whatsapp = channel === 'whatsapp';
  const params: Record<string, string> = {
    AccountSid: record.accountSid,
    ApiVersion: String(r.api_version),
    From: r.from == null ? '' : String(r.from),
    MessageSid: record.sid,
    MessageStatus: step.status,
    SmsSid: record.sid,
    SmsStatus: step.status,
    To: to,
  };
  if (r.messaging_service_sid) params.MessagingServiceSid = String(r.messaging_service_sid);
  if (step.errorCode !== undefined) params.ErrorCode = String(step.errorCode);
  if (whatsapp) {
    params.ChannelInstallSid = channelInstallSid(record.accountSid);
    params.ChannelPrefix = 'whatsapp';
    params.ChannelToAddress = phoneOf(to);
    if (step.status === 'read') params.EventType = 'READ';
  } else if (!channel && (step.status === 'delivered' || step.status === 'undelivered')) {
    params.RawDlrDoneDate = dlrDate(dateAt(record, step.at));
  }
  return params;
}

/** Twilio's call progress event params for one step, or undefined when the request did not ask for it. */
function callEvent(record: SandboxRecord, step: Step): Record<string, string> | undefined {
  const event = step.event;
  if (!event || !record.callback?.events?.has(event)) return undefined;
  const r = record.resource;
  const params: Record<string, string> = {
    AccountSid: record.accountSid,
    ApiVersion: String(r.api_version),
    CallSid: record.sid,
    CallStatus: event === 'initiated' ? 'initiated' : step.status,
    Called: String(r.to),
    Caller: String(r.from),
    CallbackSource: 'call-progress-events',
    Direction: String(r.direction),
    From: String(r.from),
    SequenceNumber: String(record.sequence++),
    Timestamp: rfc2822(dateAt(record, step.at)),
    To: String(r.to),
  };
  if (event === 'completed') {
    const answered = record.steps.find((s) => s.event === 'answered' && s.at <= step.at);
    const seconds = answered ? secondsBetween(record, answered.at, step.at) : 0;
    params.CallDuration = String(seconds);
    params.Duration = String(Math.ceil(seconds / 60));
    params.SipResponseCode = String(step.sip ?? (answered ? 200 : 487));
  }
  return params;
}

/** The callback params of a step, or undefined when Twilio sends none for it. */
export function eventOf(record: SandboxRecord, step: Step): Record<string, string> | undefined {
  return record.kind === 'Messages' ? messageEvent(record, step) : callEvent(record, step);
}

/** What a delivery loop needs from its host. */
export interface DeliveryContext {
  /** Signs every callback: the account's auth token, also for sends made with an API key. */
  readonly authToken: string;
  /** A local run (SANDBOX_LOCAL): private addresses may be called, and the URL's credentials sent as Basic auth. */
  readonly local: boolean;
  readonly send: (request: Request) => Promise<Response>;
  readonly now: () => number;
  /** How long the loop may run (a Worker's waitUntil window); moments due later are left to a later request. */
  readonly windowMs: number;
}

/**
 * Sends a record's status callbacks as its clock reaches each moment, one after the other, until the timeline
 * is done, the record is deleted or the window closes; a second loop for the same record does nothing, nor does
 * one past MAX_DELIVERIES. The initial status gets none (Twilio sends none for `queued`, `accepted` or `scheduled`).
 */
export async function deliverAsTheClockRuns(record: SandboxRecord, ctx: DeliveryContext): Promise<void> {
  if (record.delivering || !record.callback || deliveries >= MAX_DELIVERIES) return;
  record.delivering = true;
  deliveries++;
  const deadline = ctx.now() + ctx.windowMs;
  try {
    while (isKept(record) && record.callback && record.reported < record.steps.length) {
      const step = record.steps[record.reported] as Step;
      const due = realAt(record, step.at);
      const wait = due - ctx.now();
      if (wait > 0) {
        // Due after the window: a later request (an update) may start another loop; this one stops now.
        if (due > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, POLL_MS)));
        continue;
      }
      record.reported++;
      const params = eventOf(record, step);
      const request = params && (await callbackRequest(record.callback, params, ctx.authToken, ctx.local));
      if (request) await sendCallback(request, ctx.send);
    }
  } finally {
    record.delivering = false;
    deliveries--;
  }
}

/**
 * One callback as Twilio sends it: form-encoded (or in the query for GET), signed with X-Twilio-Signature under
 * the auth token, with its own I-Twilio-Idempotency-Token. A URL fragment (Twilio's `#ct=…&rt=…` tuning) is not
 * sent; credentials in the URL become Basic auth on a local run only. Off a local run (`local` false), a URL that
 * is not public (loopback, private, link-local, metadata) gets none (undefined): the Worker is no way into its own
 * network.
 */
export async function callbackRequest(
  target: { readonly url: string; readonly method: 'GET' | 'POST' },
  event: Readonly<Record<string, string>>,
  authToken: string,
  local: boolean,
): Promise<Request | undefined> {
  if (!local && !isPublicTarget(target.url)) return undefined;
  const url = new URL(target.url);
  url.hash = '';
  const auth =
    local && url.username
      ? basicAuthorization(decodeURIComponent(url.username), decodeURIComponent(url.password))
      : undefined;
  url.username = '';
  url.password = '';
  const params = new URLSearchParams(event);
  if (target.method === 'GET') for (const [name, value] of params) url.searchParams.append(name, value);
  const signature =
    target.method === 'GET'
      ? await twilioSignature(authToken, url.href)
      : await twilioSignature(authToken, url.href, params);
  const headers: Record<string, string> = {
    'X-Twilio-Signature': signature,
    'I-Twilio-Idempotency-Token': crypto.randomUUID(),
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
  };
  if (auth) headers.Authorization = auth;
  if (target.method === 'POST') headers['Content-Type'] = `${FORM_TYPE}; charset=utf-8`;
  return new Request(url.href, {
    method: target.method,
    headers,
    ...(target.method === 'POST' ? { body: params.toString() } : {}),
  });
}

/**
 * Sends one callback (callbackRequest), bounded by CALLBACK_TIMEOUT_MS and following no redirect: the emulator is
 * no relay to wherever a URL points. A failure is ignored (Twilio logs an 11200).
 */
export async function sendCallback(request: Request, send: (request: Request) => Promise<Response>): Promise<void> {
  try {
    const response = await send(
      new Request(request, { redirect: 'manual', signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS) }),
    );
    await response.body?.cancel();
  } catch {
    // Twilio logs an 11200 in its debugger and carries on; so does the emulator.
  }
}
