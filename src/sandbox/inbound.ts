import { isPublicTarget } from '../limits/public-target';
import { readUpTo } from '../limits/read';
import { API_VERSION, newSid } from '../twilio/api';
import { segmentCount } from '../twilio/segments';
import { twilioSignature } from '../twilio/signature';
import type { Refusal } from './numbers';
import type { SandboxAccount } from './settings';

/** How long the emulator waits for the Worker's answer: Twilio's own webhook timeout. */
export const INBOUND_TIMEOUT_MS = 15_000;
/** The most of the Worker's answer the emulator reads back, in bytes: the rest is never read. */
const MAX_ANSWER = 65_536;

/**
 * Where the emulator posts: the network (fetch), or the Worker's own app in-process (the playground's sandbox
 * inbox), which may take the signed request to another URL than the one signed, as a proxy would.
 */
export type Deliver = (request: Request) => Promise<Response>;

/** How the emulator posts what the person sends. */
export interface InboundHost {
  /** A local run: `Url` may be a private address (off one, it must be public, as the callbacks' targets). */
  readonly local: boolean;
  /** Delivers the signed request; fetch unless the host gives its own. */
  readonly deliver?: Deliver | undefined;
}

/** The fields Twilio posts for an incoming message or call from `from` to `to`. */
function inboundFields(account: SandboxAccount, form: URLSearchParams, from: string, to: string) {
  const common = { AccountSid: account.accountSid, ApiVersion: API_VERSION, From: from, To: to };
  if (form.get('Kind') === 'call') {
    const sid = newSid('CA');
    return { ...common, CallSid: sid, CallStatus: 'ringing', Called: to, Caller: from, Direction: 'inbound' };
  }
  const sid = newSid('SM');
  const body = form.get('Body') ?? '';
  const service = form.get('MessagingServiceSid');
  return {
    ...common,
    Body: body,
    MessageSid: sid,
    SmsMessageSid: sid,
    SmsSid: sid,
    NumMedia: '0',
    NumSegments: String(segmentCount(body)),
    SmsStatus: 'received',
    ...(service ? { MessagingServiceSid: service } : {}),
  };
}

/**
 * The emulator acting as the person: `POST /2010-04-01/Accounts/{AccountSid}/Sandbox/Inbound.json` with `Url`
 * (the Worker's /twilio/messages or /twilio/voice, as a number's webhook would name it), `From` (the person),
 * `To` (the number), `Body`, and `Kind=call` for a call. It posts Twilio's fields there, signed with the account's
 * token as Twilio signs them, once, bounded by Twilio's 15 s, and answers what the Worker said. Off a local run,
 * `Url` must be public (limits/public-target.ts), as a callback's is: a deployed sandbox is no way into a network.
 */
export async function postInbound(
  account: SandboxAccount,
  form: URLSearchParams,
  host: InboundHost,
): Promise<Response | Refusal> {
  const url = form.get('Url') ?? '';
  const [from, to] = [form.get('From'), form.get('To')];
  if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
    return { code: 21205, message: `Url is not a valid URL: ${url}` };
  if (!host.local && !host.deliver && !isPublicTarget(url)) {
    return { code: 21205, message: `Url is not a public URL: ${url}` };
  }
  if (!from || !to) return { code: 21604, message: "A 'To' and a 'From' are required." };
  const fields = inboundFields(account, form, from, to);
  const params = new URLSearchParams(fields);
  const headers = {
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    'User-Agent': 'TwilioProxy/1.1',
    'I-Twilio-Idempotency-Token': crypto.randomUUID(),
    'X-Twilio-Signature': await twilioSignature(account.authToken, url, params),
  };
  try {
    const request = new Request(url, {
      method: 'POST',
      headers,
      body: params.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(INBOUND_TIMEOUT_MS),
    });
    const res = await (host.deliver ?? fetch)(request);
    const { text: answer } = await readUpTo(res.body, MAX_ANSWER);
    return Response.json({ status: res.status, contentType: res.headers.get('content-type'), answer, fields });
  } catch {
    return Response.json({ status: null, contentType: null, answer: null, fields });
  }
}
