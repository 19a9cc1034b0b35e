import * as v from 'valibot';
import { RECORD_PREFIX, type Resource, sidPattern } from './api';
import { CALL_FIELDS, camel, DATE_FIELDS, MESSAGE_FIELDS, pageKey } from './resources';

/**
 * Twilio's answers as the gateway hands them on (twilio/decode.ts): one valibot definition per shape, whose types
 * the decoder returns and whose JSON Schema the OpenAPI document derives at build time. Unused at run time, so
 * the Worker bundle does not carry them (valibot's functions are free of side effects).
 */

const date = v.nullable(v.pipe(v.string(), v.isoTimestamp()));

/** A resource's fields, camelCased: the sid by its pattern, the dates ISO 8601 or null, the rest as Twilio sent it. */
function resourceEntries(resource: Resource) {
  const fields: readonly string[] = resource === 'Calls' ? CALL_FIELDS : MESSAGE_FIELDS;
  return Object.fromEntries(
    fields.map((key) => [
      camel(key),
      key === 'sid'
        ? v.pipe(v.string(), v.regex(sidPattern(RECORD_PREFIX[resource])))
        : DATE_FIELDS.has(key)
          ? date
          : v.unknown(),
    ]),
  ) as Record<string, v.GenericSchema>;
}

/** A Message or a Call as the gateway answers it, with the entries a higher room adds (`more`). */
export const resourceShape = (resource: Resource, more: v.ObjectEntries = {}) =>
  v.pipe(
    v.object({ ...resourceEntries(resource), ...more }),
    v.description(
      `A ${resource === 'Calls' ? 'Call' : 'Message'} as Twilio answers it: camelCase keys, ISO-8601 dates; every field listed is present (null when Twilio left it out).`,
    ),
  );

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const uriOrNull = v.nullable(v.string());

/** A list page as the gateway answers it (decodePage): `record` under `messages` or `calls`, and Twilio's paging. */
export const pageShape = <S extends v.GenericSchema>(resource: Resource, record: S) =>
  v.pipe(
    v.object({
      [pageKey(resource)]: v.array(record),
      page: count,
      pageSize: v.pipe(v.number(), v.integer(), v.minValue(1)),
      start: count,
      end: count,
      uri: v.pipe(v.string(), v.description("This page's path on Twilio's API.")),
      firstPageUri: v.string(),
      nextPageUri: uriOrNull,
      previousPageUri: uriOrNull,
      nextPageToken: v.pipe(v.nullable(v.string()), v.description('Give it as pageToken for the next page.')),
      previousPageToken: v.pipe(v.nullable(v.string()), v.description('Give it as pageToken for the previous page.')),
    }),
    v.description(
      `A page of ${resource}, newest first, with Twilio's paging camelCased. For the next page, send the same input with pageToken = nextPageToken and page = page + 1; nextPageToken is null on the last page.`,
    ),
  );

/** What a delete answers (Twilio's 204 has no body). */
export const Deleted = v.pipe(
  v.object({ sid: v.pipe(v.string(), v.regex(sidPattern('SM|MM|CA'))), deleted: v.literal(true) }),
  v.description('The record was deleted (Twilio answered 204).'),
);
