/**
 * The vocabulary of block tables: what a field may be. A block (see make-call.ts, messages.ts) is a
 * plain table of these; validation, the Twilio form body, the descriptor and (later) the OpenAPI
 * document and the playground are all derived from it.
 */

/** How a field's value is read and checked. */
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
  | 'datetime';

/** Twilio's own answer for a bad value: its error code and message, so local checks read like Twilio's. */
export interface TwilioRule {
  readonly code: number;
  readonly message: (value: string) => string;
}

/** One row of a block table. */
export interface Field {
  /** The Twilio form key (PascalCase). Credentials have none: they go in the URL and the auth header. */
  readonly key?: string;
  readonly kind: Kind;
  /** One line for the descriptor, the OpenAPI document and the playground. */
  readonly description: string;
  /** Allowed values of an `enum`, `method` or `list` field. */
  readonly options?: readonly string[];
  /** Two-letter SID prefix of a `sid` field (`AP`, `MG`, `HX`, `BY`). */
  readonly prefix?: string;
  /** Length limit of text, value range of numbers, item limit of lists. */
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
}

/** A required group: at least one of `anyOf` must be present, else Twilio's `code` and `message`. */
export interface Requirement {
  readonly anyOf: readonly string[];
  readonly code: number;
  readonly message: string;
}

/** One block: the whole declarative definition of a route. */
export interface Block {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The Twilio collection it creates a record in. */
  readonly resource: 'Messages' | 'Calls';
  readonly fields: Readonly<Record<string, Field>>;
  readonly requires: readonly Requirement[];
}

type Extra = Omit<Field, 'key' | 'kind' | 'description'>;
const make =
  (kind: Kind, fixed: Extra = {}) =>
  (key: string, description: string, extra: Extra = {}): Field => ({ key, kind, description, ...fixed, ...extra });

/** Free text. */
export const text = make('text');
/** A phone number, SIP address, client identifier or channel address (`whatsapp:+1…`). */
export const address = make('address', { max: 256 });
/** An absolute http(s) URL. */
export const url = make('url');
/** A Twilio SID: `prefix` + 32 hex digits. */
export const sid = (key: string, prefix: string, description: string): Field => ({
  key,
  kind: 'sid',
  prefix,
  description,
});
/** A whole number; numeric strings are accepted. */
export const integer = make('integer');
/** A decimal number; numeric strings are accepted. */
export const number = make('number');
/** true/false or "true"/"false". */
export const boolean = make('boolean');
/** One of `options`. */
export const choice = (key: string, options: readonly string[], description: string): Field => ({
  key,
  kind: 'enum',
  options,
  description,
});
/** An ISO-8601 date-time, sent to Twilio in UTC. */
export const datetime = make('datetime');
/** An array, or a space- or comma-separated string; sent as repeated form keys. */
export const list = make('list');

/** `GET` or `POST`, upper-cased; Twilio's 21209 `<Key> is not valid: <VALUE>` otherwise. */
export const method = (key: string, description: string): Field => ({
  key,
  kind: 'method',
  options: ['GET', 'POST'],
  description,
  invalid: { code: 21209, message: (v) => `${key} is not valid: ${v.toUpperCase()}` },
});

/** The account credentials every block takes; they never reach the form body. */
export const credentials = {
  accountSid: {
    kind: 'credential',
    description: 'A 34 character string that uniquely identifies this account.',
  },
  accountToken: {
    kind: 'credential',
    description: 'The authorization token for this account.',
  },
} as const satisfies Record<string, Field>;
