import type { Block } from './fields';
import type { BlockInput } from './schema';

/**
 * The form body Twilio expects for a validated input, derived from the block table: PascalCase keys,
 * repeated keys for lists, `true`/`false` for booleans; credentials (no key) are left out. In table order:
 * the same pairs twilio-node sends for the same inputs.
 */
export function toForm(block: Block, input: BlockInput): URLSearchParams {
  const form = new URLSearchParams();
  for (const { name, key } of Object.values(block.fields)) {
    const value = input[name];
    if (key === undefined || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) form.append(key, String(item));
    else form.append(key, String(value));
  }
  return form;
}
