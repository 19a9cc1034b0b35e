import type { Block } from './fields';
import type { BlockInput } from './schema';

/**
 * The form body Twilio expects for a validated input, derived from the block table: PascalCase keys,
 * repeated keys for lists, `true`/`false` for booleans; credentials are left out. This is the same set
 * of pairs twilio-node sends for the same inputs.
 */
export function toForm(block: Block, input: BlockInput): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, key] of formKeys(block)) {
    const value = input[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) form.append(key, String(item));
    else form.append(key, String(value));
  }
  return form;
}

const keysOf = new WeakMap<Block, readonly (readonly [string, string])[]>();
/**
 * The block's caller names and Twilio form keys, in table order; credentials (no key) left out. Built once
 * per block; the sandbox reads forms back with the same pairs.
 */
export function formKeys(block: Block): readonly (readonly [name: string, key: string])[] {
  let keys = keysOf.get(block);
  if (!keys) {
    keys = Object.entries(block.fields).flatMap(([name, field]) =>
      field.key === undefined ? [] : [[name, field.key] as const],
    );
    keysOf.set(block, keys);
  }
  return keys;
}
