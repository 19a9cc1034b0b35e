import { API_VERSION, apiPath, newSid, type Resource } from './api';

/**
 * Twilio's Message and Call resources as Twilio returns them on 201 (snake_case, RFC 2822 dates, `queued`):
 * one shape for the decoder (which fields every answer carries), the sandbox (what it answers), the tests'
 * fake Twilio and the benchmark's canned answer.
 */

/** Fields the original block returned for a message; each is always present in our answer (null if absent). */
// biome-ignore format: one line, as Twilio lists them
export const MESSAGE_FIELDS = [
  'sid', 'body', 'date_created', 'date_updated', 'account_sid', 'to', 'from', 'messaging_service_sid', 'status',
  'price', 'direction', 'api_version', 'uri', 'subresource_uris', 'price_unit', 'date_sent', 'error_code',
  'error_message', 'num_media', 'num_segments',
] as const;

/** Fields the original block returned for a call. */
// biome-ignore format: one line, as Twilio lists them
export const CALL_FIELDS = [
  'sid', 'date_created', 'date_updated', 'parent_call_sid', 'account_sid', 'to', 'to_formatted', 'from',
  'from_formatted', 'phone_number_sid', 'status', 'start_time', 'end_time', 'duration', 'price', 'direction',
  'answered_by', 'api_version', 'caller_name', 'uri', 'price_unit', 'subresource_uris',
] as const;

/** Twilio's date fields (RFC 2822), rewritten as ISO 8601 for our callers. */
export const DATE_FIELDS: ReadonlySet<string> = new Set([
  'date_created',
  'date_updated',
  'date_sent',
  'start_time',
  'end_time',
]);

/** A date as Twilio writes it (RFC 2822): `Thu, 26 Nov 2026 12:46:22 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** How Twilio shows a number in `from_formatted`/`to_formatted`: `(500) 555-0006` for NANP, else as given. */
export function formatted(address: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(address);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : address;
}

/** What a created Message needs. */
export interface MessageDraft {
  readonly accountSid: string;
  readonly to: string;
  readonly from: string | null;
  readonly body: string | null;
  readonly mediaUrls: readonly string[];
  readonly now: Date;
  /** Defaults to a new random `SM` (or `MM` with media) SID. */
  readonly sid?: string;
  readonly messagingServiceSid?: string | null;
  readonly numSegments?: number;
}

/** A Message resource as Twilio returns it on 201: snake_case, `queued`, RFC 2822 dates, price null. */
export function messageResource(draft: MessageDraft) {
  const sid = draft.sid ?? newSid(draft.mediaUrls.length > 0 ? 'MM' : 'SM');
  const uri = apiPath(draft.accountSid, `Messages/${sid}`).slice(0, -'.json'.length);
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
    messaging_service_sid: draft.messagingServiceSid ?? null,
    num_media: String(draft.mediaUrls.length),
    num_segments: String(draft.numSegments ?? 1),
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: `${uri}/Media.json`, feedback: `${uri}/Feedback.json` },
    to: draft.to,
    uri: `${uri}.json`,
  } as const;
}

/** What a created Call needs. */
export interface CallDraft {
  readonly accountSid: string;
  readonly to: string;
  readonly from: string;
  readonly now: Date;
  /** Defaults to a new random `CA` SID. */
  readonly sid?: string;
}

// biome-ignore format: one line, as Twilio lists them
const CALL_SUBRESOURCES = [
  'feedback', 'user_defined_messages', 'notifications', 'recordings', 'streams', 'payments',
  'user_defined_message_subscriptions', 'siprec', 'events', 'feedback_summaries', 'transcriptions',
] as const;
const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** A Call resource as Twilio returns it on 201: `queued`, formatted numbers, nothing started yet. */
export function callResource(draft: CallDraft) {
  const sid = draft.sid ?? newSid('CA');
  const uri = apiPath(draft.accountSid, `Calls/${sid}`).slice(0, -'.json'.length);
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

/** The key of a list page's records: `messages` or `calls`. */
export const pageKey = (resource: Resource) => resource.toLowerCase() as Lowercase<Resource>;

const camelNames = new Map<string, string>();
/** Twilio's snake_case name in camelCase, remembered: the same few dozen keys come back on every request. */
export function camel(key: string): string {
  let name = camelNames.get(key);
  if (name === undefined) {
    name = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (camelNames.size < 256) camelNames.set(key, name);
  }
  return name;
}

/** What a list page needs: the records of this page and where it stands in the whole list. */
export interface PageDraft<R> {
  readonly accountSid: string;
  readonly resource: Resource;
  /** The records of this page, already filtered and cut to `pageSize`. */
  readonly records: readonly R[];
  /** The list's filters as Twilio's query keys (`To`, `DateSent>`…), in the order they were asked. */
  readonly filters: readonly (readonly [string, string])[];
  /** Zero-based page index. */
  readonly page: number;
  readonly pageSize: number;
  /** The token the request named (kept in `uri`), if any. */
  readonly pageToken?: string | null;
  /** The token of the next page; null or absent when this is the last page. */
  readonly nextPageToken?: string | null;
  /** The token of the previous page, if the list has one (`previous_page_uri` is null only on page 0). */
  readonly previousPageToken?: string | null;
}

/**
 * A list page as Twilio returns it on 200 (ListMessage, ListCall): the records under `messages`/`calls`, and
 * `page`, `page_size`, `start`, `end` and the `uri`, `first_page_uri`, `next_page_uri`, `previous_page_uri`
 * paths, each the filters then `PageSize`, `Page` and `PageToken`.
 */
export function pageResource<R>(draft: PageDraft<R>) {
  const path = apiPath(draft.accountSid, draft.resource);
  const at = (page: number, token?: string | null) => {
    const query = new URLSearchParams(draft.filters as [string, string][]);
    query.set('PageSize', String(draft.pageSize));
    query.set('Page', String(page));
    if (token) query.set('PageToken', token);
    return `${path}?${query}`;
  };
  const start = draft.page * draft.pageSize;
  return {
    [pageKey(draft.resource)]: draft.records,
    end: draft.records.length === 0 ? start : start + draft.records.length - 1,
    first_page_uri: at(0),
    next_page_uri: draft.nextPageToken ? at(draft.page + 1, draft.nextPageToken) : null,
    page: draft.page,
    page_size: draft.pageSize,
    previous_page_uri: draft.page > 0 ? at(draft.page - 1, draft.previousPageToken) : null,
    start,
    uri: at(draft.page, draft.pageToken),
  };
}
