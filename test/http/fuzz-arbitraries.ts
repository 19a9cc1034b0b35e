/**
 * fast-check arbitraries for the fuzz tests: valid block inputs derived from the real block tables, single
 * mutations that the documented contract says must be refused, and plain garbage (raw bodies, content
 * types, routes). Valid values are written here from the contract (issue #2, FACTS.md), not taken from
 * the schema under test, so the generated inputs are an independent oracle.
 */
import fc from 'fast-check';
import { type Block, blocks, type Field } from '../../src/blocks';

/** Every caller name of every block, for wrong-typed objects built from the real vocabulary. */
export const FIELD_NAMES = [...new Set(blocks.flatMap((block) => Object.keys(block.fields)))];

/** Keys that trip naive object handling. */
export const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'args'];

/** A request auth token the caller sends; it must never come back. */
export const requestToken = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 24, maxLength: 24 })
  .map((hex) => `tok_${hex}`);

const HEX = [...'0123456789abcdefABCDEF'];
const hex32 = fc.string({ unit: fc.constantFrom(...HEX), minLength: 32, maxLength: 32 });
export const accountSid = hex32.map((h) => `AC${h}`);

/** Strings of any code points (astral ones, controls, lone-surrogate-free), 1..max UTF-16 units. */
const anyText = (max: number) =>
  fc
    .oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 24 }),
      fc.constant('x'.repeat(max)),
      fc.constant('é'.repeat(max)),
    )
    .filter((s) => s.length >= 1 && s.length <= max);

/** A string of `length` units (up to ~100 KB), made by repeating a short seed: cheap to generate. */
export const hugeString = (min = 1000, max = 100_000) =>
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.integer({ min, max }))
    .map(([seed, length]) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length));

const e164 = fc.stringMatching(/^\+[1-9]\d{6,14}$/);
const address = fc.oneof(
  { weight: 3, arbitrary: e164 },
  e164.map((n) => `whatsapp:${n}`),
  fc.stringMatching(/^client:[a-z]{1,12}$/),
  fc.stringMatching(/^sip:[a-z]{1,8}@[a-z]{1,8}\.com$/),
  anyText(256),
);

/** Absolute http(s) URLs, at most 2048 characters, sometimes with an upper-case scheme. */
const httpUrl = fc
  .tuple(fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }), fc.boolean())
  .map(([u, upper]) => (upper ? u.replace(/^https?/, (s) => s.toUpperCase()) : u))
  .filter((u) => u.length <= 2048);

const datetime = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom('ms', 's', 'min', 'offset', 'compact-offset'),
  )
  .map(([date, form]) => {
    const iso = date.toISOString();
    if (form === 's') return iso.replace(/\.\d{3}Z$/, 'Z');
    if (form === 'min') return iso.replace(/:\d{2}\.\d{3}Z$/, 'Z');
    if (form === 'offset') return iso.replace(/Z$/, '+00:00');
    if (form === 'compact-offset') return iso.replace(/Z$/, '-0000');
    return iso;
  });

/** One of a SID field's prefixes (`SM|MM` names two). */
const prefixOf = (field: Field) => fc.constantFrom(...(field.prefix ?? '').split('|'));

const asNumberOrString = (n: fc.Arbitrary<number>) => n.chain((v) => fc.constantFrom<number | string>(v, String(v)));

/** A value the contract accepts for `field` (credentials excluded). */
export function validValue(field: Field): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'credential':
      throw new Error('credentials are generated apart');
    case 'text':
      if (field.pattern) return fc.stringMatching(field.pattern);
      return field.max === undefined
        ? fc.oneof({ weight: 9, arbitrary: anyText(64) }, { weight: 1, arbitrary: hugeString() })
        : anyText(field.max);
    case 'address':
      return address;
    case 'url': {
      const { pattern } = field;
      return pattern ? httpUrl.filter((u) => pattern.test(u)) : httpUrl;
    }
    case 'sid':
      return fc.tuple(prefixOf(field), hex32).map(([prefix, h]) => `${prefix}${h}`);
    case 'integer':
      return asNumberOrString(fc.integer({ min: field.min ?? -1e9, max: field.max ?? 1e9 }));
    case 'number':
      return asNumberOrString(fc.integer({ min: -1e7, max: 1e7 }).map((i) => i / 100));
    case 'boolean':
      return fc.constantFrom(true, false, 'true', 'false', 'True', 'False');
    case 'enum':
      return fc.constantFrom(...(field.options ?? []));
    case 'method':
      return fc.constantFrom('GET', 'POST', 'get', 'post', 'Get', 'pOsT');
    case 'datetime':
      return datetime;
    case 'date':
      return fc.oneof(
        datetime,
        datetime.map((d) => d.slice(0, 10)),
      );
    case 'list': {
      const options = field.options;
      if (options) {
        return fc
          .subarray([...options], { minLength: 1 })
          .chain((items) =>
            fc.constantFrom<unknown>(items, items.join(' '), items.join(','), items.join(', '), items.join(' ,  ')),
          );
      }
      const item = field.items === 'url' ? httpUrl : anyText(64);
      return fc.oneof(item, fc.array(item, { minLength: 1, maxLength: Math.min(field.max ?? 5, 10) }));
    }
    default:
      // A kind without its own generator yet: its example, which shape.test.ts checks is valid.
      return fc.constant(field.example);
  }
}

/** A block input the contract accepts: credentials or none (then the Worker's secrets), each required group, extras. */
export function validInput(block: Block, token: string): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.entries(block.fields)
    .filter(([, field]) => field.kind !== 'credential')
    .map(([name]) => name);
  // The blocks on the gateway's own records (opt-outs, listInbound) take no Twilio credentials.
  const credentials = Object.hasOwn(block.fields, 'accountSid')
    ? fc.oneof(
        { weight: 3, arbitrary: accountSid.map((sid) => ({ accountSid: sid, accountToken: token })) },
        { weight: 1, arbitrary: fc.constant({}) },
      )
    : fc.constant({});
  const required = fc.tuple(...block.requires.map((group) => fc.subarray([...group.anyOf], { minLength: 1 })));
  const optional = fc.subarray(names, { maxLength: Math.min(6, names.length) });
  return fc.tuple(credentials, required, optional).chain(([creds, groups, extra]) => {
    const chosen = [...new Set([...groups.flat(), ...extra])];
    const values = fc.record(
      Object.fromEntries(chosen.map((name) => [name, validValue(block.fields[name] as Field)])),
    ) as fc.Arbitrary<Record<string, unknown>>;
    return values.map((v) => ({ ...creds, ...v }));
  });
}

/** JSON that stands for nesting `depth` deep; spliced in by `toJson` (JSON.stringify would overflow). */
export class Deep {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}
  json(): string {
    return this.kind === 'array'
      ? `${'['.repeat(this.depth)}${']'.repeat(this.depth)}`
      : `${'{"a":'.repeat(this.depth)}1${'}'.repeat(this.depth)}`;
  }
}

/** JSON.stringify, with `Deep` values spliced in as raw text. */
export function toJson(value: unknown): string {
  const deep: Deep[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (!(v instanceof Deep)) return v;
    deep.push(v);
    return `\u0000deep${deep.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000deep(\d+)\\u0000"/g, (_, i: string) => (deep[Number(i)] as Deep).json());
}

export const deep = fc
  .tuple(fc.integer({ min: 2, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([depth, kind]) => new Deep(depth, kind));

/** Objects whose keys break naive stringification or prototype handling. */
export const trickyObject = fc.dictionary(
  fc.constantFrom(...TRICKY_KEYS, 'to', 'x'),
  fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null)),
  { minKeys: 1, maxKeys: 4 },
);

/** Any JSON value that is not a string (nor null, which counts as absent). */
const nonString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  trickyObject,
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.array(fc.oneof(fc.integer(), fc.boolean(), trickyObject), { minLength: 1, maxLength: 3 }),
  fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }),
  fc.constant([]),
  deep,
);
/** Not a string, and not a number either (numbers are fine for numeric fields). */
const nonStringNonNumber = fc.oneof(
  fc.boolean(),
  trickyObject,
  fc.array(fc.oneof(fc.integer(), trickyObject), { minLength: 1, maxLength: 3 }),
  fc.array(fc.string({ minLength: 1 }), { minLength: 2, maxLength: 3 }),
  deep,
);
const longer = (max: number) => fc.integer({ min: max + 1, max: max + 300 }).map((n) => 'y'.repeat(n));
const notIn = (options: readonly string[], upper = false) =>
  fc
    .oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('test', 'PUT', 'MONO', 'bogus', 'queued'))
    .filter((s) => s.trim() !== '' && !options.includes(upper ? s.toUpperCase() : s));

/** A value the contract refuses for `field`. */
export function invalidValue(field: Field): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'credential':
      return fc.oneof(nonString, longer(256));
    case 'text': {
      const bad: fc.Arbitrary<unknown>[] = [nonString];
      if (field.max !== undefined) bad.push(longer(field.max));
      if (field.pattern) {
        const pattern = field.pattern;
        bad.push(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== '' && !pattern.test(s)));
      }
      return fc.oneof(...bad);
    }
    case 'address':
      return fc.oneof(nonString, longer(field.max ?? 256));
    case 'url':
      return fc.oneof(
        nonString,
        fc.constantFrom(
          '/relative.xml',
          'ftp://example.com/x',
          'example.com',
          'http//x.io',
          'mailto:a@b.io',
          'http://',
        ),
        fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s !== '' && !/^https?:\/\//i.test(s)),
        fc.constant(`https://example.com/${'p'.repeat(field.max ?? 2048)}`),
        ...(field.pattern ? [fc.constant('https://my_host.example.com/cb')] : []),
      );
    case 'sid':
      return fc.oneof(
        nonString,
        fc.tuple(prefixOf(field), hex32).map(([prefix, h]) => `${prefix}${h.slice(1)}`),
        hex32.map((h) => `XX${h}`),
        prefixOf(field).map((prefix) => `${prefix}${'g'.repeat(32)}`),
      );
    case 'integer': {
      const bad: fc.Arbitrary<unknown>[] = [
        nonStringNonNumber,
        fc.constantFrom('abc', '1.5', '1e3', ' 7', '0x1F', 'Infinity', '--1', '1234567890123456'),
        fc.integer({ min: 1, max: 1000 }).map((n) => n + 0.5),
      ];
      if (field.min !== undefined) bad.push(fc.integer({ min: -1000, max: field.min - 1 }));
      if (field.max !== undefined) bad.push(fc.integer({ min: field.max + 1, max: field.max + 1000 }));
      return fc.oneof(...bad);
    }
    case 'number':
      return fc.oneof(nonStringNonNumber, fc.constantFrom('abc', '1e3', '1.', '.5', 'NaN', '1234567890123456'));
    case 'boolean':
      return fc.oneof(
        nonStringNonNumber.filter((v) => typeof v !== 'boolean'),
        fc.integer(),
        fc.constantFrom('TRUE', 'fALSE', 'yes', '1', '0', 'on'),
      );
    case 'enum': {
      const options = field.options ?? [];
      // A JSON true for an enum of 'true'/'false' (asyncAmd) is a fair reading of the contract; leave it out.
      const typed = nonString.filter((v) => !(typeof v === 'boolean' && options.includes(String(v))));
      return fc.oneof(typed, notIn(options));
    }
    case 'method':
      return fc.oneof(nonString, notIn(field.options ?? [], true));
    case 'datetime':
      return fc.oneof(
        nonString,
        fc.constantFrom('2026-01-01', 'yesterday', '2026-01-01T10:00', '2026-13-01T10:00:00Z', '2026-01-01T25:00Z'),
      );
    case 'date':
      return fc.oneof(
        nonString,
        fc.constantFrom('2026-02-30', 'yesterday', '2026-01-01T10:00', '2026-13-01', '20260101', '2026-1-1'),
      );
    case 'list': {
      const bad: fc.Arbitrary<unknown>[] = [
        fc.integer(),
        fc.boolean(),
        trickyObject,
        deep,
        fc.constant([]),
        fc.array(fc.oneof(fc.integer(), trickyObject, fc.constant(null)), { minLength: 1, maxLength: 3 }),
        fc
          .integer({ min: (field.max ?? 100) + 1, max: (field.max ?? 100) + 5 })
          .map((n) => Array(n).fill(field.options?.[0] ?? (field.items === 'url' ? 'https://example.com/a.png' : 'x'))),
      ];
      if (field.options) bad.push(fc.constantFrom('bogus', 'initiated bogus', ['ringing', 'RINGING']));
      if (field.items === 'url') bad.push(fc.constantFrom('/a.png', ['https://x.io/a.png', 'ftp://x.io/b.png']));
      return fc.oneof(...bad);
    }
    default:
      // A kind without its own generator yet: an object, which no field's value is.
      return trickyObject;
  }
}

/** How a refused input was made, and what the documented answer must then be. */
export type Mutation =
  | { kind: 'wrong-value'; name: string }
  | { kind: 'unknown-key'; name: string }
  | { kind: 'drop-group'; message: string }
  | { kind: 'half-credentials' }
  | { kind: 'bad-account'; sid: string }
  | { kind: 'token-leak' };

export interface Refused {
  input: Record<string, unknown>;
  mutation: Mutation;
}

const typos = ['statusCallBack', 'To', 'FROM', 'Body', 'mediaURL', 'accountsid', 'account_sid', 'media_url'];

/** A valid input with exactly one change the contract refuses. */
export function refusedInput(block: Block, token: string): fc.Arbitrary<Refused> {
  const names = Object.keys(block.fields);
  const unknownKey = fc
    .oneof(
      fc.constantFrom(...typos, ...TRICKY_KEYS.filter((k) => k !== 'args')),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
      hugeString(100, 5000),
    )
    .filter((k) => !names.includes(k) && k !== 'args');
  const takesCredentials = Object.hasOwn(block.fields, 'accountSid');
  const credentials = takesCredentials ? fc.record({ accountSid, accountToken: fc.constant(token) }) : fc.constant({});
  return fc.tuple(validInput(block, token), credentials).chain(([input, creds]) =>
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(...names).chain((name) =>
          invalidValue(block.fields[name] as Field).map(
            (value): Refused => ({
              input: { ...creds, ...input, [name]: value },
              mutation: { kind: 'wrong-value', name },
            }),
          ),
        ),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            unknownKey,
            fc.oneof(fc.string({ minLength: 1 }), fc.jsonValue()).filter((v) => v !== null && v !== ''),
          )
          .map(([name, value]): Refused => {
            const out: Record<string, unknown> = { ...input };
            Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
            return { input: out, mutation: { kind: 'unknown-key', name } };
          }),
      },
      // A block that requires nothing (a list) cannot miss a group: it gets another unknown key instead.
      {
        weight: 2,
        arbitrary:
          block.requires.length === 0
            ? unknownKey.map(
                (name): Refused => ({ input: { ...input, [name]: 'x' }, mutation: { kind: 'unknown-key', name } }),
              )
            : fc.constantFrom(...block.requires).map((group): Refused => {
                const out = { ...input };
                for (const name of group.anyOf) delete out[name];
                return { input: out, mutation: { kind: 'drop-group', message: group.message } };
              }),
      },
      // The credentials' mutations, for the blocks that take credentials.
      ...(takesCredentials
        ? [
            {
              weight: 1,
              arbitrary: fc.constantFrom('accountSid', 'accountToken').map((drop): Refused => {
                const out: Record<string, unknown> = { ...input, ...creds };
                delete out[drop];
                return { input: out, mutation: { kind: 'half-credentials' } };
              }),
            },
            {
              weight: 1,
              arbitrary: fc
                .oneof(
                  fc.constantFrom('AC../../x', 'AC123', 'ac0123456789abcdef0123456789abcdef', '../Calls', 'AC%2F..%2F'),
                  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
                )
                .filter((sid) => sid.trim() !== '' && !/^AC[0-9a-fA-F]{32}$/.test(sid) && sid.length <= 256)
                .map(
                  (sid): Refused => ({
                    input: { ...input, ...creds, accountSid: sid },
                    mutation: { kind: 'bad-account', sid },
                  }),
                ),
            },
            {
              weight: 1,
              arbitrary: fc
                .constantFrom<unknown>([token], { token }, `${token}${'z'.repeat(300)}`, [token, token], 5)
                .map(
                  (bad): Refused => ({
                    input: { ...input, ...creds, accountToken: bad },
                    mutation: { kind: 'token-leak' },
                  }),
                ),
            },
          ]
        : []),
    ),
  );
}

/** Wraps an input as callers send it: flat, as `{"args": …}`, or split between the top level and `args`. */
export function wrapped(input: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(input);
  return fc.oneof(
    fc.constant(input),
    fc.constant({ args: input }),
    fc.subarray(keys).map((inner) => {
      const top: Record<string, unknown> = {};
      const args: Record<string, unknown> = {};
      for (const key of keys) {
        const target = inner.includes(key) ? args : top;
        Object.defineProperty(target, key, { value: input[key], enumerable: true, writable: true, configurable: true });
      }
      return { ...top, args };
    }),
  );
}

/**
 * The form pairs of an input, or undefined if a form cannot carry it. Booleans and numbers become their
 * strings. The `mutated` key must keep its exact shape, so it only takes a string or 2+ strings (one
 * repeated key); anything else (objects, a single-item array, which a form would flatten) is refused.
 */
export function formPairs(input: Record<string, unknown>, mutated?: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(input)) {
    const strict = key === mutated;
    if (typeof value === 'string') pairs.push([key, value]);
    else if (!strict && (typeof value === 'boolean' || typeof value === 'number')) pairs.push([key, String(value)]);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string') && value.length >= (strict ? 2 : 1)) {
      for (const item of value) pairs.push([key, item]);
    } else return undefined;
  }
  return pairs;
}

export const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'Application/Json;charset=UTF-8',
];
export const FORM_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'Application/X-WWW-Form-Urlencoded',
];

/** Any Content-Type header: real ones, near misses, garbage, or none. */
export const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      ...JSON_TYPES,
      ...FORM_TYPES,
      'text/plain',
      'application/xml',
      'text/html; charset=utf-8',
      'multipart/form-data',
      'multipart/form-data; boundary=xyz',
      'application/jsonx',
      'json',
      '*/*',
      'application/octet-stream',
      'application/x-www-form-urlencoded+json',
    ),
    fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  ),
  { nil: undefined },
);

/** Raw request bodies: empty, unicode, huge, deeply nested, truncated JSON, bytes that are not UTF-8. */
export const rawBody = (token: string): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(
    fc.constant(''),
    fc.string({ unit: 'binary', maxLength: 200 }),
    hugeString(),
    deep.map((d) => d.json()),
    deep.map((d) => `{"args":${d.json()}}`),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.tuple(validInput(blocks[1] as Block, token), fc.nat()).map(([input, cut]) => {
      const text = JSON.stringify(input);
      return text.slice(0, cut % text.length);
    }),
    fc.uint8Array({ maxLength: 300 }),
  );
