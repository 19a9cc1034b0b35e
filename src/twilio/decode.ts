import * as v from 'valibot';

const nullable = v.nullish(v.union([v.string(), v.number()]));

/** Fields the original block returned for a call; each is always present in our answer (null if Twilio left it out). */
// biome-ignore format: one line, as Twilio lists them
const CALL_FIELDS = [
  'sid', 'date_created', 'date_updated', 'parent_call_sid', 'account_sid', 'to', 'to_formatted', 'from',
  'from_formatted', 'phone_number_sid', 'status', 'start_time', 'end_time', 'duration', 'price', 'direction',
  'answered_by', 'api_version', 'caller_name', 'uri', 'price_unit', 'subresource_uris',
] as const;

/** Fields the original block returned for a message. */
// biome-ignore format: one line, as Twilio lists them
const MESSAGE_FIELDS = [
  'sid', 'body', 'date_created', 'date_updated', 'account_sid', 'to', 'from', 'messaging_service_sid', 'status',
  'price', 'direction', 'api_version', 'uri', 'subresource_uris', 'price_unit', 'date_sent', 'error_code',
  'error_message', 'num_media', 'num_segments',
] as const;

const resourceSchema = (fields: readonly string[], sid: RegExp) =>
  v.looseObject({
    ...Object.fromEntries(fields.map((name) => [name, v.nullish(v.unknown())])),
    sid: v.pipe(v.string(), v.regex(sid)),
    account_sid: nullable,
    subresource_uris: v.nullish(v.record(v.string(), v.string())),
  });

const RESOURCES = {
  Calls: { schema: resourceSchema(CALL_FIELDS, /^CA[0-9a-fA-F]{32}$/), fields: CALL_FIELDS },
  Messages: { schema: resourceSchema(MESSAGE_FIELDS, /^(SM|MM)[0-9a-fA-F]{32}$/), fields: MESSAGE_FIELDS },
} as const;

const DATE_FIELDS = new Set(['date_created', 'date_updated', 'date_sent', 'start_time', 'end_time']);
const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** RFC 2822 (Twilio's dates) to ISO 8601; anything unreadable stays as Twilio sent it. */
function isoDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/**
 * Decodes a Twilio success body into the resource our callers get: camelCase top-level keys (as
 * twilio-node gives), ISO-8601 dates, and every field of the original block present. Undefined if the
 * body is not a Call or Message resource.
 */
export function decodeResource(kind: keyof typeof RESOURCES, body: unknown): Record<string, unknown> | undefined {
  const { schema, fields } = RESOURCES[kind];
  const result = v.safeParse(schema, body);
  if (!result.success) return undefined;
  const raw: Record<string, unknown> = { ...Object.fromEntries(fields.map((f) => [f, null])), ...result.output };
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [camel(key), DATE_FIELDS.has(key) ? isoDate(value) : value]),
  );
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
