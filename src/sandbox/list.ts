import type { Resource } from '../twilio/api';
import { pageResource } from '../twilio/resources';
import type { Refusal } from './numbers';
import { listOf, type SandboxRecord, view } from './records';

/** Twilio's list filters, by collection: each query key and the resource field it compares. */
const FILTERS: { readonly [K in Resource]: Readonly<Record<string, string>> } = {
  Messages: { To: 'to', From: 'from', DateSent: 'date_sent' },
  Calls: {
    To: 'to',
    From: 'from',
    ParentCallSid: 'parent_call_sid',
    Status: 'status',
    StartTime: 'start_time',
    EndTime: 'end_time',
  },
};
const DATE_FILTERS: ReadonlySet<string> = new Set(['DateSent', 'StartTime', 'EndTime']);

/** Twilio's page size when PageSize is not given. */
const PAGE_SIZE_DEFAULT = 50;

const invalid = (name: string, value: string): Refusal => ({
  code: 20001,
  message: `Invalid value for parameter '${name}': ${value.length > 64 ? `${value.slice(0, 64)}…` : value}`,
});

/** A date filter as a range of ms: a day (`2026-11-30`) or an instant (`2026-11-30T12:00:00Z`), with `<`/`>`. */
function dateRange(value: string, op: '' | '<' | '>'): [number, number] | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (!day && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const from = Date.parse(day ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(from)) return undefined;
  const to = day ? from + 86_400_000 - 1 : from + 999;
  if (op === '<') return [Number.NEGATIVE_INFINITY, to];
  if (op === '>') return [from, Number.POSITIVE_INFINITY];
  return [from, to];
}

/** One filter of the query: the resource field, and a test of its value. */
type Test = readonly [field: string, test: (value: unknown) => boolean];

/**
 * Reads the filters and paging of a list query the way the official SDKs send them. Their values were checked
 * with the list block's table first; what is left here is what they mean, and the emulator's own page tokens.
 */
function readQuery(kind: Resource, query: URLSearchParams) {
  const filters: [string, string][] = [];
  const tests: Test[] = [];
  for (const [key, value] of query) {
    const match = /^([A-Za-z]+)([<>]?)$/.exec(key);
    const name = match?.[1] ?? '';
    const field = FILTERS[kind][name];
    if (!field || filters.some(([k]) => k === key)) continue;
    filters.push([key, value]);
    if (DATE_FILTERS.has(name)) {
      const range = dateRange(value, (match?.[2] ?? '') as '' | '<' | '>');
      if (!range) return { refusal: invalid(key, value) };
      tests.push([field, (v) => typeof v === 'string' && Date.parse(v) >= range[0] && Date.parse(v) <= range[1]]);
    } else if (match?.[2] === '') {
      tests.push([field, (v) => v === value]);
    }
  }
  // PageSize (1 to 1000) and Page (from 0) were checked with the list block's table (blocks/message-records.ts).
  const pageSize = Number(query.get('PageSize') ?? PAGE_SIZE_DEFAULT);
  const page = Number(query.get('Page') ?? 0);
  const token = query.get('PageToken') ?? undefined;
  const tokenMatch = token === undefined ? undefined : /^P([AB])(\d{1,15})$/.exec(token);
  if (token !== undefined && !tokenMatch) return { refusal: invalid('PageToken', token) };
  const after = tokenMatch ? { before: tokenMatch[1] === 'B', seq: Number(tokenMatch[2]) } : undefined;
  return { filters, tests, pageSize, page, token, after };
}

/**
 * A list page as Twilio answers ListMessage and ListCall: the account's records of the collection, newest first,
 * filtered as they stand now (To, From, DateSent…; To, From, ParentCallSid, Status, StartTime…, EndTime…), cut
 * to PageSize at Page, or after (PA…) or before (PB…) the record a PageToken names.
 */
export function listPage(accountSid: string, kind: Resource, query: URLSearchParams, now: number) {
  const read = readQuery(kind, query);
  if ('refusal' in read) return { refusal: read.refusal as Refusal };
  const { filters, tests, pageSize, page, token, after } = read;
  const all: { record: SandboxRecord; shown: Record<string, unknown> }[] = [];
  for (const record of listOf(accountSid, kind)) {
    const shown = view(record, now);
    if (tests.every(([field, test]) => test(shown[field]))) all.push({ record, shown });
  }
  let from: number;
  if (!after) from = page * pageSize;
  else if (!after.before) from = all.findIndex((r) => r.record.seq < after.seq);
  else from = Math.max(0, all.filter((r) => r.record.seq > after.seq).length - pageSize);
  if (from < 0) from = all.length;
  const rows = all.slice(from, from + pageSize);
  const first = rows[0];
  const last = rows.at(-1);
  return {
    page: pageResource({
      accountSid,
      resource: kind,
      records: rows.map((r) => r.shown),
      filters,
      page,
      pageSize,
      pageToken: token ?? null,
      nextPageToken: last && from + rows.length < all.length ? `PA${last.record.seq}` : null,
      previousPageToken: first && from > 0 ? `PB${first.record.seq}` : null,
    }),
  };
}
