import type { Block } from './fields';
import type { BlockInput } from './schema';

/**
 * The form body Twilio expects for a validated input, derived from the block table: PascalCase keys,
 * repeated keys for lists, `true`/`false` for booleans; credentials are left out. This is the same set
 * of pairs twilio-node sends for the same inputs.
 */
export function toForm(block: Block, input: BlockInput): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, field] of Object.entries(block.fields)) {
    const value = input[name];
    if (value === undefined || field.key === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(field.key, String(item));
  }
  return form;
}
