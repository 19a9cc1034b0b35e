import * as z from 'zod/mini';
import { exampleSid, sidPattern } from '../twilio/api';
import type { Field, Kind, Value } from './fields';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses) of one field's value. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The playground's input for a field. */
export type Widget = 'text' | 'password' | 'tel' | 'url' | 'number' | 'checkbox' | 'select' | 'list' | 'datetime';

/** Everything a kind of field means, in one place. */
export interface KindSpec {
  /** Limits every field of this kind has unless its row says otherwise. */
  readonly defaults?: { readonly min?: number; readonly max?: number };
  /**
   * The zod schema of a value as the OpenAPI document states it; the document's JSON Schema is derived from it
   * (`toJSONSchema`), and validation runs it (see `schema`).
   */
  readonly value: (field: Field) => z.ZodMiniType;
  /** What else callers and form posts may send (a numeric string, "true"), turned into the value's type first. */
  readonly coerce?: (field: Field) => z.ZodMiniType;
  /** How a valid value is written for Twilio (a date-time in UTC). */
  readonly normalize?: (value: string) => string;
  /** The block doc's type name, as the descriptor (`GET /api/Twilio`) shows it. */
  readonly docType: 'credentials' | 'String' | 'Number' | 'Boolean' | 'Select' | 'List' | 'Datepicker';
  /** What a field expects, in words, for error messages where Twilio has none. Never shows the value. */
  readonly expects: (field: Field) => string;
  /** A valid value, where the row gives none. */
  readonly example: (field: Field) => Value;
  readonly widget: Widget;
  /** How a value goes in Twilio's form body: one key, one key per item, or not at all (credentials). */
  readonly form: 'one' | 'each' | 'none';
}

/** True for an absolute http(s) URL with a host. */
export function isAbsoluteHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** True if the date part is a real calendar day: Date.parse rolls 2026-02-30 over to March 2 instead of failing. */
const realDay = (v: string) => {
  const [y = 0, m = 0, d = 0] = v.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
};
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What a refinement means in JSON Schema, which cannot state a function: read by `toJSONSchema` (as its
 * `metadata`) when the OpenAPI document is built.
 */
export const jsonHints = z.registry<JsonSchema>();
const hinted = <S extends z.ZodMiniType>(schema: S, hint: JsonSchema): S => {
  jsonHints.add(schema, hint);
  return schema;
};

/** A date-time with its zone. */
const dateTime = () =>
  hinted(
    z.string().check(
      z.regex(ISO_DATETIME),
      z.refine((v) => realDay(v) && !Number.isNaN(Date.parse(v))),
    ),
    {
      format: 'date-time',
    },
  );
/** As twilio-node sends a date-time: YYYY-MM-DDTHH:mm:ssZ (UTC, whole seconds). */
const utc = (v: string) => `${new Date(v).toISOString().slice(0, 19)}Z`;
const INTEGER = /^-?\d{1,15}$/;
const DECIMAL = /^-?\d{1,15}(\.\d{1,15})?$/;
/** The booleans Twilio takes on a form: what twilio-node sends, and what older helpers send (Python's `str(True)`). */
const BOOLEAN_FORMS = ['true', 'false', 'True', 'False'] as const;
const toBoolean = (v: boolean | (typeof BOOLEAN_FORMS)[number]) => v === true || v === 'true' || v === 'True';

const numeric = (digits: RegExp) =>
  z.pipe(z.union([z.number(), z.string().check(z.regex(digits))]), z.transform(Number));
const between = (field: Field) => [
  ...(field.min === undefined ? [] : [z.gte(field.min)]),
  ...(field.max === undefined ? [] : [z.lte(field.max)]),
];
const options = (field: Field) => field.options as [string, ...string[]];
const oneOf = (field: Field) => `one of ${field.options?.join(', ')}`;
const maxLength = (field: Field) => (field.max === undefined ? [] : [z.maxLength(field.max)]);

/** ` from 1 to 600`, ` of at least 1`, ` of at most 10`, or nothing. */
function range(field: Field): string {
  if (field.min !== undefined && field.max !== undefined) return ` from ${field.min} to ${field.max}`;
  if (field.min !== undefined) return ` of at least ${field.min}`;
  return field.max !== undefined ? ` of at most ${field.max}` : '';
}

/** Item limits of a list whose row names none (its error message then names no range either). */
const LIST = { min: 1, max: 100 } as const;

/** An absolute http(s) URL (`pattern`: a row's narrower one, also checked). */
const httpUrl = (checks: z.core.$ZodCheck<string>[], pattern?: RegExp) =>
  hinted(z.string().check(...checks, ...(pattern ? [z.regex(pattern)] : []), z.refine(isAbsoluteHttpUrl)), {
    format: 'uri',
    ...(pattern ? {} : { pattern: '^https?://[^/?#]' }),
  });

const listItem = (field: Field) => {
  if (field.options) return z.enum(options(field));
  if (field.items === 'url') return httpUrl([]);
  return z.string().check(z.minLength(1));
};

/** Every kind of field. A kind missing here is a type error. */
export const kinds: { readonly [K in Kind]: KindSpec } = {
  credential: {
    defaults: { max: 256 },
    value: (f) => z.string().check(...maxLength(f)),
    docType: 'credentials',
    expects: () => 'a string',
    example: () => 'secret',
    widget: 'password',
    form: 'none',
  },
  text: {
    value: (f) => z.string().check(...maxLength(f), ...(f.pattern ? [z.regex(f.pattern)] : [])),
    docType: 'String',
    expects: (f) => (f.max === undefined ? 'a string' : `a string of at most ${f.max} characters`),
    example: () => 'Hello from the gateway',
    widget: 'text',
    form: 'one',
  },
  address: {
    defaults: { max: 256 },
    value: (f) => z.string().check(...maxLength(f)),
    docType: 'String',
    expects: () => 'a phone number, SIP address or client identifier',
    example: () => '+14155550100',
    widget: 'tel',
    form: 'one',
  },
  url: {
    defaults: { max: 2048 },
    value: (f) => httpUrl(maxLength(f), f.pattern),
    docType: 'String',
    expects: () => 'an absolute http(s) URL',
    example: (f) => `https://example.com/twilio/${f.name}`,
    widget: 'url',
    form: 'one',
  },
  sid: {
    value: (f) => z.string().check(z.regex(sidPattern(f.prefix ?? ''))),
    docType: 'String',
    expects: (f) => `a SID: ${f.prefix?.replace('|', ' or ')} followed by 32 hex digits`,
    example: (f) => exampleSid(f.prefix ?? ''),
    widget: 'text',
    form: 'one',
  },
  integer: {
    value: (f) => z.int().check(...between(f)),
    coerce: () => numeric(INTEGER),
    docType: 'Number',
    expects: (f) => `a whole number${range(f)}`,
    example: (f) => f.min ?? 1,
    widget: 'number',
    form: 'one',
  },
  number: {
    value: (f) => z.number().check(...between(f)),
    coerce: () => numeric(DECIMAL),
    docType: 'Number',
    expects: (f) => `a number${range(f)}`,
    example: (f) => f.min ?? 0.5,
    widget: 'number',
    form: 'one',
  },
  boolean: {
    value: () => z.boolean(),
    coerce: () => z.pipe(z.union([z.boolean(), z.enum(BOOLEAN_FORMS)]), z.transform(toBoolean)),
    docType: 'Boolean',
    expects: () => 'true or false',
    example: () => true,
    widget: 'checkbox',
    form: 'one',
  },
  enum: {
    value: (f) => z.enum(options(f)),
    docType: 'Select',
    expects: oneOf,
    example: (f) => f.options?.[0] ?? '',
    widget: 'select',
    form: 'one',
  },
  method: {
    value: (f) => z.enum(options(f)),
    coerce: () =>
      z.pipe(
        z.string(),
        z.transform((v) => v.toUpperCase()),
      ),
    docType: 'Select',
    expects: oneOf,
    example: () => 'POST',
    widget: 'select',
    form: 'one',
  },
  list: {
    value: (f) => z.array(listItem(f)).check(z.minLength(f.min ?? LIST.min), z.maxLength(f.max ?? LIST.max)),
    coerce: (f) =>
      z.union([
        z.array(z.string()),
        // A string is one item, except for event lists, which may be space- or comma-separated.
        z.pipe(
          z.string(),
          z.transform((v) => (f.options ? v.split(/[\s,]+/).filter(Boolean) : [v])),
        ),
      ]),
    docType: 'List',
    expects: (f) =>
      `${f.options ? `items among ${f.options.join(', ')}` : f.items === 'url' ? 'absolute http(s) URLs' : 'strings'}, as an array${range(f)}`,
    example: (f) => [f.options?.[0] ?? (f.items === 'url' ? 'https://demo.twilio.com/owl.png' : 'example')],
    widget: 'list',
    form: 'each',
  },
  datetime: {
    value: dateTime,
    normalize: utc,
    docType: 'Datepicker',
    expects: () => 'an ISO-8601 date-time with a time zone',
    example: () => '2026-12-01T09:00:00Z',
    widget: 'datetime',
    form: 'one',
  },
  date: {
    value: () => z.union([hinted(z.string().check(z.regex(DAY), z.refine(realDay)), { format: 'date' }), dateTime()]),
    normalize: (v) => (DAY.test(v) ? v : utc(v)),
    docType: 'Datepicker',
    expects: () => 'a day (YYYY-MM-DD) or an ISO-8601 date-time with a time zone',
    example: () => '2026-12-01',
    widget: 'text',
    form: 'one',
  },
};

/**
 * A field's zod schema, as validation runs it: what callers may send, coerced (`coerce`), checked as the value
 * the document states (`value`), then written for Twilio (`normalize`).
 */
export function fieldSchema(field: Field): z.ZodMiniType {
  const { value, coerce, normalize } = kinds[field.kind];
  const checked = coerce ? z.pipe(coerce(field), value(field)) : value(field);
  return normalize
    ? z.pipe(
        checked,
        z.transform((v) => normalize(String(v))),
      )
    : checked;
}
