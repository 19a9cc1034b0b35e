/**
 * Recipe templates: `{{a.b.0.c}}` reads the webhook's payload (JSON, or a form's fields), `{{header:name}}` a
 * request header, and `| filter` or `| filter:arg` changes the value. Compiled once when the recipes load;
 * rendering only looks values up and applies the filters below: no code of any kind runs.
 */

/** What a template reads: the webhook's decoded payload and its headers. */
export interface Scope {
  readonly payload: unknown;
  readonly headers: Headers;
}

/** One `{{ … }}`: where its value comes from, its filters, and whether a `default` covers a missing value. */
interface Slot {
  readonly path: string;
  readonly filters: readonly ((value: string) => string)[];
  readonly fallback: boolean;
}

/** A compiled template: literal text and slots. */
export type Template = readonly (string | Slot)[];

/** A condition's value (or one of its values). */
export type Scalar = string | number | boolean;

/** The filters: the pattern their argument must match ('' when none is given; undefined: no argument). */
const FILTERS: Record<string, [RegExp | undefined, (value: string, arg: string) => string]> = {
  /** `default:"there"`: the argument when the value is empty. */
  default: [/^/, (value, arg) => value || arg],
  upper: [undefined, (value) => value.toUpperCase()],
  lower: [undefined, (value) => value.toLowerCase()],
  /**
   * `money` (or `money:0` for a currency without cents): minor units to a decimal amount; non-numbers, and numbers
   * of 1e21 or more (which toFixed would write with an exponent), pass as they are.
   */
  money: [
    /^[0-4]?$/,
    (value, arg) => (value.trim() && Math.abs(+value) < 1e21 ? (+value / 10 ** +arg).toFixed(+arg) : value),
  ],
  /** `truncate:100`: at most that many characters, the last one an ellipsis when cut. */
  truncate: [
    /^[1-9]\d{0,4}$/,
    (value, arg) => ([...value].length > +arg ? `${[...value].slice(0, +arg - 1).join('')}…` : value),
  ],
};

const SLOT = /\{\{(.*?)\}\}/s;
const EXPRESSION = /^\s*([^\s|{}"]+)((?:\s*\|\s*\w+(?:\s*:\s*(?:"[^"]*"|\d+))?)*)\s*$/;
const FILTER = /\|\s*(\w+)(?:\s*:\s*(?:"([^"]*)"|(\d+)))?/g;

/** Compiles a template; for a string that is not one (an unknown filter, a wrong argument, `{{` unclosed), the reason. */
export function compile(text: string): Template | string {
  // Split on the slots: literal text at even indexes, the inside of a `{{ }}` at odd ones.
  const parts: (string | Slot)[] = text.split(SLOT);
  for (let i = 1; i < parts.length; i += 2) {
    const [, path, piped = ''] = EXPRESSION.exec(parts[i] as string) ?? [];
    if (!path) return `cannot read {{${parts[i]}}}`;
    const filters: Slot['filters'][number][] = [];
    let fallback = false;
    for (const [, name = '', quoted, digits] of piped.matchAll(FILTER)) {
      const arg = quoted ?? digits;
      const [pattern, filter] = Object.hasOwn(FILTERS, name) ? (FILTERS[name] as (typeof FILTERS)[string]) : [];
      if (!filter || (pattern ? !pattern.test(arg ?? '') : arg !== undefined)) return `bad filter ${name}`;
      filters.push((value) => filter(value, arg ?? (name === 'money' ? '2' : '')));
      fallback ||= name === 'default';
    }
    parts[i] = { path, filters, fallback };
  }
  return parts.some((part, i) => i % 2 === 0 && (part as string).includes('{{')) ? 'a {{ is not closed' : parts;
}

/** The value at a path (`a.b.0.c`, own properties only) or a header (`header:name`); undefined when absent. */
export function lookup(scope: Scope, path: string): unknown {
  if (path.startsWith('header:')) return scope.headers.get(path.slice(7)) ?? undefined;
  let value = scope.payload;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Renders a template. A path with no value (absent or null) renders empty and is added to `missing`, unless a
 * `default` covers it. With `xml`, every value read (not the recipe's own text) is XML-escaped: a payload value
 * cannot open or close a TwiML verb.
 */
export function render(template: Template, scope: Scope, missing: Set<string>, xml = false): string {
  return template
    .map((part) => {
      if (typeof part === 'string') return part;
      const found = lookup(scope, part.path);
      if (found == null && !part.fallback) missing.add(part.path);
      const text = found == null ? '' : typeof found === 'object' ? JSON.stringify(found) : String(found);
      const value = part.filters.reduce((value, filter) => filter(value), text);
      return xml ? value.replace(/[&<>"']/g, (c) => ENTITIES[c] as string) : value;
    })
    .join('');
}

/**
 * A recipe's fields rendered against a payload: each template rendered (a list field's items each, empty ones
 * dropped), `twiml` XML-escaped; the paths that were missing are added to `missing`.
 */
export function renderFields(
  fields: Readonly<Record<string, Template | { readonly list: readonly Template[] }>>,
  scope: Scope,
  missing: Set<string>,
): Record<string, string | string[]> {
  const input: Record<string, string | string[]> = {};
  for (const [field, template] of Object.entries(fields)) {
    input[field] =
      'list' in template
        ? template.list.map((item) => render(item, scope, missing)).filter(Boolean)
        : render(template, scope, missing, field === 'twiml');
  }
  return input;
}

/** True when every condition holds: the value at its path or header equals the one given, or one of a list. */
export function matches(when: Readonly<Record<string, Scalar | readonly Scalar[]>>, scope: Scope): boolean {
  return Object.entries(when).every(([path, expected]) => {
    const actual = lookup(scope, path);
    return (
      actual != null &&
      typeof actual !== 'object' &&
      [expected].flat().some((value) => String(value) === String(actual))
    );
  });
}
