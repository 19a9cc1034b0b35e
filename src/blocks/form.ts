import type { Block } from './fields';
import type { BlockInput } from './schema';

/**
 * The form body (or a list's query) Twilio expects for a validated input, derived from the block table:
 * PascalCase keys, repeated keys for lists, `true`/`false` for booleans; credentials and a SID in the path (no
 * key) are left out; then the block's fixed pairs. In table order: the same pairs twilio-node sends for the same inputs.
 */
export function toForm(block: Block, input: BlockInput): URLSearchParams {
  const form = new URLSearchParams();
  for (const { name, key } of Object.values(block.fields)) {
    const value = input[name];
    if (key === undefined || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) form.append(key, String(item));
    else form.append(key, String(value));
  }
  if (block.fixed) for (const [key, value] of Object.entries(block.fixed)) form.append(key, value);
  return form;
}
