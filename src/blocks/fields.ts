/**
 * The vocabulary of block tables. A block (make-call.ts, messages.ts) is a plain table of rows, one per
 * field; `defineBlock` fills in what each row leaves to be derived (the Twilio form key, the kind's default
 * limits and example). Validation, the form body, the descriptor, the OpenAPI document and the playground are
 * all derived from the result, and what a kind means lives in kinds.ts.
 */

import { exampleSid, type Resource } from '../twilio/api';
import type { Action } from '../twilio/operations';

/** How a field's value is read and checked; each kind is described once, in kinds.ts. */
export type Kind =
  | 'credential'
  | 'text'
  | 'address'
  | 'url'
  | 'sid'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'method'
  | 'list'
  | 'datetime'
  | 'date';

/** A value a caller may send for a field (after validation: strings, numbers, booleans, string lists). */
export type Value = string | number | boolean | readonly string[];

/** Twilio's own answer for a bad value: its error code and message, so local checks read like Twilio's. */
export interface TwilioRule {
  readonly code: number;
  /** The message for the value as sent (`key` is the field's Twilio form key). */
  readonly message: (value: string, key: string) => string;
}

/** One row of a block table, as written. */
export interface FieldRow {
  readonly kind: Kind;
  /** One line for the descriptor, the OpenAPI document and the playground. */
  readonly description: string;
  /** The Twilio form key, only where it is not the caller name in PascalCase. */
  readonly key?: string;
  /** Allowed values of an `enum`, `method` or `list` field. */
  readonly options?: readonly string[];
  /** Where the value goes: the URL path (a record's SID) instead of the form or query. */
  readonly in?: 'path';
  /** Two-letter SID prefix of a `sid` field (`AP`, `MG`, `HX`, `BY`), or an alternation (`SM|MM`). */
  readonly prefix?: string;
  /** Length limit of text, value range of numbers, item limit of lists (the kind's default otherwise). */
  readonly min?: number;
  readonly max?: number;
  /** Character rule of a `text` field. */
  readonly pattern?: RegExp;
  /** What the items of a `list` are: absolute URLs or plain text. */
  readonly items?: 'url' | 'text';
  /** Twilio's answer when the value is invalid (of the right type but not acceptable, or unreadable). */
  readonly invalid?: TwilioRule;
  /** Twilio's answer when the value is over `max` (a text's length, a list's items); else `invalid` applies. */
  readonly tooBig?: { readonly code: number; readonly message: string };
  /** A valid value, for the OpenAPI document, the playground and the tests (the kind's example otherwise). */
  readonly example?: Value;
}

/** A row with what is derived filled in. */
export interface Field extends Omit<FieldRow, 'key' | 'example'> {
  /** The caller name (camelCase). */
  readonly name: string;
  /** The Twilio form key; undefined for fields that never reach the form body (credentials, a SID in the path). */
  readonly key: string | undefined;
  readonly example: Value;
}

/** A required group: at least one of `anyOf` must be present, else Twilio's `code` and `message` (null: the gateway's). */
export interface Requirement {
  readonly anyOf: readonly string[];
  readonly code: number | null;
  readonly message: string;
}

/** One block, as written: the whole declarative definition of a route. */
export interface BlockTable {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The Twilio collection it works on, or the gateway's own records (opt-outs, inbound messages: no Twilio call). */
  readonly resource: Resource | 'OptOuts' | 'Inbound';
  /** What it does there (twilio/operations.ts says how: method, path, form or query); `create` when absent. */
  readonly action?: Action;
  /** Form pairs it always sends besides the fields (cancelMessage: `Status=canceled`). */
  readonly fixed?: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldRow>>;
  readonly requires: readonly Requirement[];
}

/** A block with every field derived (see `defineBlock` in define.ts). */
export interface Block extends Omit<BlockTable, 'fields' | 'action'> {
  readonly action: Action;
  readonly fields: Readonly<Record<string, Field>>;
}

type Extra = Omit<FieldRow, 'kind' | 'description'>;
const make =
  (kind: Kind, fixed: Extra = {}) =>
  (description: string, extra: Extra = {}): FieldRow => ({ kind, description, ...fixed, ...extra });

/** Free text. */
export const text = make('text');
/** A phone number, SIP address, client identifier or channel address (`whatsapp:+1…`). */
export const address = make('address');
/** An absolute http(s) URL. */
export const url = make('url');
/** A Twilio SID: `prefix` + 32 hex digits. */
export const sid = (prefix: string, description: string): FieldRow => ({ kind: 'sid', prefix, description });
/** A whole number; numeric strings are accepted. */
export const integer = make('integer');
/** A decimal number; numeric strings are accepted. */
export const number = make('number');
/** true/false or "true"/"false". */
export const boolean = make('boolean');
/** One of `options`. */
export const choice = (options: readonly string[], description: string): FieldRow => ({
  kind: 'enum',
  options,
  description,
});
/** An ISO-8601 date-time, sent to Twilio in UTC. */
export const datetime = make('datetime');
/** A day (`YYYY-MM-DD`) or an ISO-8601 date-time: a list filter. */
export const date = make('date');
/** An array, or a space- or comma-separated string; sent as repeated form keys. */
export const list = make('list');

/** A status callback URL: Twilio's 21609 when it is not a valid URL or is over 4,000 characters. */
export const statusCallbackRule = {
  max: 4000,
  invalid: { code: 21609, message: () => "Invalid 'StatusCallback'" },
  tooBig: { code: 21609, message: "Invalid 'StatusCallback'" },
} as const satisfies Extra;

/** The SID of the record a block reads or changes: `sid`, in the URL path. */
export const recordSid = (prefix: string, description: string): FieldRow => ({
  kind: 'sid',
  prefix,
  in: 'path',
  description,
  // An alternation (`SM|MM`) shows its first prefix.
  example: exampleSid(prefix.slice(0, 2)),
});

/** The requirement of every block that names a record: without its SID there is nothing to ask Twilio about. */
export const sidRequired: readonly Requirement[] = [
  { anyOf: ['sid'], code: null, message: "Parameter 'sid' is required." },
];

/** `GET` or `POST`, upper-cased; Twilio's 21209 `<Key> is not valid: <VALUE>` otherwise. */
export const method = (description: string): FieldRow => ({
  kind: 'method',
  options: ['GET', 'POST'],
  description,
  invalid: { code: 21209, message: (v, key) => `${key} is not valid: ${v.toUpperCase()}` },
});

/** The account credentials every block takes; they never reach the form body. */
export const credentials = {
  accountSid: {
    kind: 'credential',
    description: 'A 34 character string that uniquely identifies this account.',
    example: exampleSid('AC'),
  },
  accountToken: {
    kind: 'credential',
    description: 'The authorization token for this account.',
    example: 'your_auth_token',
  },
} as const satisfies Record<string, FieldRow>;
