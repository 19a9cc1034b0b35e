import * as z from 'zod/mini';
import type { Block, Field, Value } from './fields';
import { kinds } from './kinds';

const fieldSchema = (field: Field) => kinds[field.kind].schema(field);

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

/** The strict object of a block's fields (in table order), with the block's required groups. */
function objectSchema(block: Block) {
  const shape = Object.fromEntries(
    Object.values(block.fields).map((field) => [field.name, z.optional(fieldSchema(field))]),
  );
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
  return z.pipe(z.transform(normalizeInput), objectSchema(block)) as unknown as z.ZodMiniType<BlockInput, unknown>;
}

type BlockSchema = ReturnType<typeof blockSchema>;
type ParseResult = ReturnType<BlockSchema['safeParse']>;

/**
 * The block's schema (`blockSchema(block)`), and `parse`: that schema's `safeParse(raw, { reportInput: true })`,
 * with the same results, made cheaper for a valid input: it is parsed first without `reportInput`, which costs
 * even when nothing fails (about 4 µs of CPU per send in workerd); only a refused input is parsed again with
 * it, so every error is exactly the full schema's.
 */
export function blockParser(block: Block): { schema: BlockSchema; parse: (raw: unknown) => ParseResult } {
  const schema = blockSchema(block);
  const parse = (raw: unknown) => {
    const result = schema.safeParse(raw);
    return result.success ? result : schema.safeParse(raw, { reportInput: true });
  };
  return { schema, parse };
}
