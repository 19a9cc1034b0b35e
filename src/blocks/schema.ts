import * as z from 'zod/mini';
import type { Block, Field, Value } from './fields';
import { fieldSchema } from './kinds';

/** A validated block input: caller names to typed values. Absent fields are left out. */
export type BlockInput = Readonly<Record<string, Value>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Brings every accepted input shape to one flat object: unwraps `{"args": {...}}` (other top-level keys
 * stay, `args` wins) and drops `''` and `null`, which count as absent.
 */
export function normalizeInput(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  // No prototype: a `__proto__` key stays an own (unknown, so rejected) field instead of a prototype.
  const out: Record<string, unknown> = Object.create(null);
  const args = Object.hasOwn(raw, 'args') ? raw.args : undefined;
  const wrapped = isObject(args);
  const keep = (name: string, value: unknown) => {
    if (value !== '' && value !== null) out[name] = value;
  };
  // As `{ ...rest, ...args }` would order them, without an object rest: the top-level names in their order
  // (`args` winning a name both give), then the names only `args` gives.
  for (const name of Object.keys(raw)) {
    if (wrapped && name === 'args') continue;
    keep(name, wrapped && Object.hasOwn(args, name) ? args[name] : raw[name]);
  }
  if (wrapped) {
    for (const name of Object.keys(args)) if (name === 'args' || !Object.hasOwn(raw, name)) keep(name, args[name]);
  }
  return out;
}

/** The strict object of the named fields of a block (in table order), with the block's required groups. */
function objectSchema(block: Block, names: readonly string[]) {
  const shape = Object.fromEntries(names.map((name) => [name, z.optional(fieldSchema(block.fields[name] as Field))]));
  return z.strictObject(shape).check(
    z.superRefine((input, ctx) => {
      for (const group of block.requires) {
        if (group.anyOf.some((name) => input[name] !== undefined)) continue;
        ctx.addIssue({
          code: 'custom',
          path: [group.anyOf[0] ?? ''],
          message: group.message,
          params: { twilio: group.code },
        });
        return;
      }
    }),
  ) as unknown as z.ZodMiniType<BlockInput, unknown>;
}

/**
 * The inbound contract of a block, derived from its table: a strict object (unknown names are errors),
 * with each required group checked once the fields themselves are valid.
 */
export function blockSchema(block: Block) {
  return z.pipe(
    z.transform(normalizeInput),
    objectSchema(block, Object.keys(block.fields)),
  ) as unknown as z.ZodMiniType<BlockInput, unknown>;
}

type BlockSchema = ReturnType<typeof blockSchema>;
type ParseResult = ReturnType<BlockSchema['safeParse']>;

/** Narrowed schemas kept per block; past this many distinct field sets, the full schema serves the rest. */
const MAX_NARROWED = 256;

/** A block's parser: its full schema, and `parse` (see blockParser). */
export interface BlockParser {
  readonly schema: BlockSchema;
  readonly parse: (raw: unknown) => ParseResult;
}

const parsers = new WeakMap<Block, BlockParser>();

/**
 * The block's parser, one per block, built on its first use (a fresh isolate builds only the schemas its request
 * needs): `schema` is `blockSchema(block)`, and `parse` its `safeParse(raw, { reportInput: true })`, with the same
 * results, made cheaper for the usual valid input:
 * - the object schema is narrowed to the fields the input names, so zod checks those few instead of every
 *   optional field of the table (3 of 27 for a plain SMS); one narrowed schema per set of names, built on
 *   first use and kept (up to MAX_NARROWED per block);
 * - it runs without `reportInput`, which costs even when nothing fails.
 * Any failure, input naming a field the table lacks, and input that is not an object go through the full
 * schema with `reportInput`, so every error is exactly the full schema's.
 */
export function blockParser(block: Block): BlockParser {
  let parser = parsers.get(block);
  if (!parser) {
    parser = parserOf(block);
    parsers.set(block, parser);
  }
  return parser;
}

function parserOf(block: Block): BlockParser {
  let full: BlockSchema | undefined;
  const schema = () => {
    full ??= blockSchema(block);
    return full;
  };
  const fully = (raw: unknown) => schema().safeParse(raw, { reportInput: true });
  const names = Object.keys(block.fields);
  const narrowed = new Map<number, ReturnType<typeof objectSchema>>();
  const narrowly = (raw: unknown) => {
    const input = normalizeInput(raw);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return fully(raw);
    const named = input as Record<string, unknown>;
    let set = 0;
    let count = 0;
    for (let i = 0; i < names.length; i++) {
      if (named[names[i] as string] !== undefined) {
        set += 2 ** i;
        count++;
      }
    }
    let total = 0;
    for (const _ in named) total++;
    if (total !== count) return fully(raw);
    let narrow = narrowed.get(set);
    if (!narrow) {
      if (narrowed.size >= MAX_NARROWED) return fully(raw);
      narrow = objectSchema(
        block,
        names.filter((name) => named[name] !== undefined),
      );
      narrowed.set(set, narrow);
    }
    const result = narrow.safeParse(named);
    return result.success ? result : fully(raw);
  };
  return {
    get schema() {
      return schema();
    },
    // A field set is kept as a number, bit i for field i: exact up to 53 fields.
    parse: names.length > 53 ? fully : narrowly,
  };
}
