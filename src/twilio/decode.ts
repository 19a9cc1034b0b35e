import * as v from 'valibot';
import { RECORD_PREFIX, sidPattern } from './api';
import type { TwilioRequest } from './operations';
import { CALL_FIELDS, camel, DATE_FIELDS, MESSAGE_FIELDS, pageKey } from './resources';

const nullable = v.nullish(v.union([v.string(), v.number()]));

/** What is checked of a resource: its sid, its account and its sub-resources; the rest passes as Twilio sent it. */
const resourceSchema = (sid: RegExp) =>
  v.object({
    sid: v.pipe(v.string(), v.regex(sid)),
    account_sid: nullable,
    subresource_uris: v.nullish(v.record(v.string(), v.string())),
  });

/** Every field of the original block, camelCased, null: the start of each decoded resource. */
const blank = (fields: readonly string[]) => Object.fromEntries(fields.map((key) => [camel(key), null]));

const RESOURCES = {
  Calls: { schema: resourceSchema(sidPattern(RECORD_PREFIX.Calls)), blank: blank(CALL_FIELDS) },
  Messages: { schema: resourceSchema(sidPattern(RECORD_PREFIX.Messages)), blank: blank(MESSAGE_FIELDS) },
} as const;

// biome-ignore format: a calendar reads best as one
const MONTHS: Readonly<Record<string, string>> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06',
  Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
};
/** Twilio's own shape, `Thu, 26 Nov 2026 12:46:22 +0000`: rewritten as text, without a Date round trip. */
const TWILIO_DATE = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}:\d{2}:\d{2}) \+0000$/;

/** RFC 2822 (Twilio's dates) to ISO 8601; anything unreadable stays as Twilio sent it. */
function isoDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parts = TWILIO_DATE.exec(value);
  const month = parts && MONTHS[parts[2] ?? ''];
  if (parts && month) return `${parts[3]}-${month}-${parts[1]}T${parts[4]}.000Z`;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/**
 * Decodes a Twilio success body into the resource our callers get: camelCase top-level keys (as
 * twilio-node gives), ISO-8601 dates, and every field of the original block present (null when Twilio left
 * it out). Undefined if the body is not a Call or Message resource.
 */
export function decodeResource(kind: keyof typeof RESOURCES, body: unknown): Record<string, unknown> | undefined {
  const { schema, blank } = RESOURCES[kind];
  if (!v.is(schema, body)) return undefined;
  const resource: Record<string, unknown> = { ...blank };
  const twilio = body as Record<string, unknown>;
  for (const key in twilio) {
    if (key === '__proto__' || !Object.hasOwn(twilio, key)) continue;
    const value = twilio[key];
    resource[camel(key)] = DATE_FIELDS.has(key) ? isoDate(value) : value;
  }
  return resource;
}

const int = (value: unknown) => (Number.isInteger(value) ? (value as number) : null);
const text = (value: unknown) => (typeof value === 'string' ? value : null);
/** The PageToken of a page's URI, or null. */
const pageToken = (uri: string | null) => (uri && /[?&]PageToken=([^&#]*)/.exec(uri)?.[1]) || null;

/**
 * Decodes a list page (ListMessage, ListCall): each record as `decodeResource` does, under `messages` or
 * `calls`, and Twilio's paging camelCased, with the next and previous pages' tokens taken out of their URIs
 * (`nextPageToken`: give it as `pageToken`, with `page + 1` as `page`, for the next page). Undefined if the body
 * is not such a page.
 */
export function decodePage(kind: keyof typeof RESOURCES, body: unknown): Record<string, unknown> | undefined {
  const key = pageKey(kind);
  const page = body as Record<string, unknown> | null;
  const records = page?.[key];
  if (!Array.isArray(records)) return undefined;
  const decoded = records.map((record) => decodeResource(kind, record));
  if (decoded.includes(undefined)) return undefined;
  const next = text(page?.next_page_uri);
  const previous = text(page?.previous_page_uri);
  return {
    [key]: decoded,
    page: int(page?.page),
    pageSize: int(page?.page_size),
    start: int(page?.start),
    end: int(page?.end),
    uri: text(page?.uri),
    firstPageUri: text(page?.first_page_uri),
    nextPageUri: next,
    previousPageUri: previous,
    nextPageToken: pageToken(next),
    previousPageToken: pageToken(previous),
  };
}

/**
 * Twilio's success body for a request, decoded: the record (create, fetch, update), the page (list), or, for a
 * delete (204, no body), `{sid, deleted: true}`. Undefined when the body is not what the operation answers.
 */
export function decodeAnswer(request: TwilioRequest, body: unknown): Record<string, unknown> | undefined {
  const { operation, resource } = request;
  if (operation.method === 'DELETE') return { sid: request.sid ?? null, deleted: true };
  return operation.params === 'query' ? decodePage(resource, body) : decodeResource(resource, body);
}

const ErrorBody = v.object({
  code: v.nullish(v.pipe(v.number(), v.integer())),
  message: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)),
  more_info: v.nullish(v.string()),
  status: v.nullish(v.number()),
});

/** Twilio's error body `{code, message, more_info, status}`, or undefined for anything else (a proxy's HTML). */
export function decodeError(body: unknown) {
  const result = v.safeParse(ErrorBody, body);
  return result.success ? result.output : undefined;
}
