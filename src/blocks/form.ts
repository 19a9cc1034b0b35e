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

/**
 * A query's or a form's pairs as an object of own properties (whatever their names): a name given once is its
 * value, a repeated name the list of its values. One pass over the pairs: a name given n times is gathered as it
 * comes (getAll per pair was O(n²) in CPU, and held n lists of n values at once).
 */
export function pairsOf(params: URLSearchParams): Record<string, string | string[]> {
  const raw: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of params) {
    const seen = raw[name];
    if (seen === undefined) raw[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else raw[name] = [seen, value];
  }
  return raw;
}
