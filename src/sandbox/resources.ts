import { formatted } from './numbers';
import { segmentCount } from './segments';

/** `prefix` + 32 random hex digits, as Twilio's SIDs are. */
export function newSid(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return prefix + hex;
}

/** A date as Twilio writes it (RFC 2822): `Thu, 26 Nov 2026 12:46:22 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

const API_VERSION = '2010-04-01';

/** What a created Message needs from the request. */
export interface MessageDraft {
  readonly accountSid: string;
  readonly to: string;
  readonly from: string | null;
  readonly body: string | null;
  readonly mediaUrls: readonly string[];
  readonly now: Date;
}

/** A Message resource as Twilio returns it on 201: snake_case, `queued`, RFC 2822 dates, price null. */
export function messageResource(draft: MessageDraft) {
  const sid = newSid(draft.mediaUrls.length > 0 ? 'MM' : 'SM');
  const uri = `/${API_VERSION}/Accounts/${draft.accountSid}/Messages/${sid}`;
  const date = rfc2822(draft.now);
  return {
    account_sid: draft.accountSid,
    api_version: API_VERSION,
    body: draft.body ?? '',
    date_created: date,
    date_sent: null,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: draft.from,
    messaging_service_sid: null,
    num_media: String(draft.mediaUrls.length),
    num_segments: String(draft.body ? segmentCount(draft.body) : 1),
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: `${uri}/Media.json`, feedback: `${uri}/Feedback.json` },
    to: draft.to,
    uri: `${uri}.json`,
  } as const;
}

/** What a created Call needs from the request. */
export interface CallDraft {
  readonly accountSid: string;
  readonly to: string;
  readonly from: string;
  readonly now: Date;
}

// biome-ignore format: one line, as Twilio lists them
const CALL_SUBRESOURCES = [
  'feedback', 'user_defined_messages', 'notifications', 'recordings', 'streams', 'payments',
  'user_defined_message_subscriptions', 'siprec', 'events', 'feedback_summaries', 'transcriptions',
] as const;
const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** A Call resource as Twilio returns it on 201: `queued`, formatted numbers, nothing started yet. */
export function callResource(draft: CallDraft) {
  const sid = newSid('CA');
  const uri = `/${API_VERSION}/Accounts/${draft.accountSid}/Calls/${sid}`;
  const date = rfc2822(draft.now);
  return {
    account_sid: draft.accountSid,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: date,
    date_updated: date,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: draft.from,
    from_formatted: formatted(draft.from),
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid,
    start_time: null,
    status: 'queued',
    subresource_uris: Object.fromEntries(CALL_SUBRESOURCES.map((name) => [name, `${uri}/${pascal(name)}.json`])),
    to: draft.to,
    to_formatted: formatted(draft.to),
    trunk_sid: null,
    uri: `${uri}.json`,
  } as const;
}
