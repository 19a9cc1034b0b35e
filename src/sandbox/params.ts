import type { Block } from '../blocks';
import { refusalOf } from '../blocks/issues';
import { kinds } from '../blocks/kinds';
import { type BlockInput, blockParser } from '../blocks/schema';
import type { Refusal } from './numbers';

/** Twilio's generic code for a parameter value it cannot use, where the block table names no code of its own. */
export const INVALID_PARAMETER = 20001;

interface Reader {
  readonly parse: ReturnType<typeof blockParser>['parse'];
  /** Form key (PascalCase) to the caller name and whether the field repeats. */
  readonly keys: ReadonlyMap<string, { readonly name: string; readonly repeats: boolean }>;
}

const readers = new WeakMap<Block, Reader>();

/** The parser and key map of a block, derived once from its table. */
function readerOf(block: Block): Reader {
  let reader = readers.get(block);
  if (!reader) {
    const keys = new Map<string, { name: string; repeats: boolean }>();
    for (const field of Object.values(block.fields)) {
      if (field.key !== undefined)
        keys.set(field.key, { name: field.name, repeats: kinds[field.kind].form === 'each' });
    }
    reader = { parse: blockParser(block).parse, keys };
    readers.set(block, reader);
  }
  return reader;
}

/**
 * Reads a Twilio form body with the block table the gateway validates with: PascalCase keys back to caller
 * names, repeated keys gathered for list fields (the first value wins otherwise), unknown keys ignored as
 * Twilio does; `path` holds the values of the URL path (the record's `sid`), under their caller names. The
 * block's own schema then checks it, and its first issue becomes Twilio's code and message.
 */
export function readForm(
  block: Block,
  form: URLSearchParams,
  path: Readonly<Record<string, string>> = {},
): { input: BlockInput } | { refusal: Refusal } {
  const { parse, keys } = readerOf(block);
  const raw: Record<string, string | string[]> = { ...path };
  for (const [key, value] of form) {
    const target = keys.get(key);
    if (!target) continue;
    const seen = raw[target.name];
    // Pushed in place: copying the list for each repeat was O(n²) in a key repeated n times.
    if (target.repeats) {
      if (Array.isArray(seen)) seen.push(value);
      else raw[target.name] = [value];
    } else if (seen === undefined) raw[target.name] = value;
  }
  const result = parse(raw);
  if (result.success) return { input: result.data };
  const { code, message } = refusalOf(block, result.error.issues);
  return { refusal: { code: code ?? INVALID_PARAMETER, message } };
}
