import type { BlockSpec, Body, FieldSchema } from './document';
import { type Child, h } from './dom';

/** One input of the form: reads its field's value (undefined when not sent). */
interface Control {
  readonly name: string;
  readonly element: HTMLElement;
  readonly read: () => unknown;
}

const example = (schema: FieldSchema) => schema.examples?.[0];
const shown = (value: unknown) => (Array.isArray(value) ? value.join('\n') : value === undefined ? '' : String(value));
const isInteger = (schema: FieldSchema) => schema.type === 'integer';

/** `2026-12-01T09:00` (datetime-local, the browser's zone) as ISO 8601 in UTC, whole seconds. */
const isoOf = (local: string) => {
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? local : `${time.toISOString().slice(0, 19)}Z`;
};

/** The hint under a field: its description and, when it starts empty, its example. */
function hint(id: string, schema: FieldSchema, value: unknown): HTMLElement {
  const sample = example(schema);
  const tail = value === undefined && sample !== undefined ? ` Example: ${JSON.stringify(sample)}` : '';
  return h('p', { id, class: 'hint' }, `${schema.description ?? ''}${tail}`);
}

/**
 * The input for one field, as its kind's widget says (kinds.ts): text, password, tel, url, number, checkbox,
 * select (enums and methods), list (repeated values: a checkbox per option, or one item per line) or datetime.
 */
function control(name: string, schema: FieldSchema, value: unknown, tag: Child): Control {
  const id = `f-${name}`;
  const describedBy = `d-${name}`;
  const widget = schema['x-widget'] ?? 'text';
  const perLine = widget === 'list' && !schema.items?.enum && h('span', { class: 'unit' }, 'one per line');
  const label = h('label', { for: id }, h('code', {}, name), tag, perLine);
  const common = { id, name, 'aria-describedby': describedBy };

  if (widget === 'checkbox') {
    const input = h('input', { ...common, type: 'checkbox', checked: value === true });
    const element = h('div', { class: 'field check' }, input, label, hint(describedBy, schema, value));
    return { name, element, read: () => (input.checked ? true : undefined) };
  }

  if (widget === 'select') {
    const select = h(
      'select',
      common,
      h('option', { value: '' }, '(not sent)'),
      ...(schema.enum ?? []).map((option) => h('option', { value: option, selected: option === value }, option)),
    );
    const element = h('div', { class: 'field' }, label, select, hint(describedBy, schema, value));
    return { name, element, read: () => select.value || undefined };
  }

  if (widget === 'list' && schema.items?.enum) {
    const boxes = schema.items.enum.map((option) =>
      h('input', {
        type: 'checkbox',
        id: `${id}-${option}`,
        value: option,
        checked: Array.isArray(value) && value.includes(option),
      }),
    );
    const element = h(
      'fieldset',
      { class: 'field options', 'aria-describedby': describedBy },
      h('legend', {}, h('code', {}, name), tag),
      ...boxes.map((box) => h('span', { class: 'option' }, box, h('label', { for: box.id }, box.value))),
      hint(describedBy, schema, value),
    );
    const read = () => {
      const picked = boxes.filter((box) => box.checked).map((box) => box.value);
      return picked.length ? picked : undefined;
    };
    return { name, element, read };
  }

  if (widget === 'list') {
    const area = h('textarea', { ...common, rows: 2, placeholder: shown(example(schema)) });
    area.value = shown(value);
    const element = h('div', { class: 'field' }, label, area, hint(describedBy, schema, value));
    const read = () => {
      const items = area.value
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      return items.length ? items : undefined;
    };
    return { name, element, read };
  }

  const type = widget === 'datetime' ? 'datetime-local' : widget === 'text' ? 'text' : widget;
  const input = h('input', {
    ...common,
    type,
    autocomplete: widget === 'password' ? 'off' : undefined,
    spellcheck: widget === 'text' ? undefined : 'false',
    placeholder: widget === 'datetime' ? undefined : shown(example(schema)),
    min: schema.minimum,
    max: schema.maximum,
    step: widget === 'number' ? (isInteger(schema) ? 1 : 'any') : widget === 'datetime' ? 1 : undefined,
    maxlength: schema.maxLength,
    inputmode: widget === 'number' ? (isInteger(schema) ? 'numeric' : 'decimal') : undefined,
  });
  input.value = widget === 'datetime' ? '' : shown(value);
  const element = h('div', { class: 'field' }, label, input, hint(describedBy, schema, value));
  const read = () => {
    const raw = input.value.trim();
    if (raw === '') return undefined;
    if (widget === 'number') return Number.isNaN(Number(raw)) ? raw : Number(raw);
    return widget === 'datetime' ? isoOf(raw) : raw;
  };
  return { name, element, read };
}

/** A block's form: its controls, laid out as required groups, credentials, then the optional fields. */
export interface BlockForm {
  readonly element: HTMLElement;
  /** The body as the form stands: only the fields given. */
  readonly body: () => Body;
}

/**
 * The form of a block, generated from its schema: each required group first (a group of several as a fieldset
 * "one of"), prefilled with the smallest valid body; the credentials and the other fields, collapsed and empty.
 */
export function blockForm(block: BlockSpec): BlockForm {
  const controls: Control[] = [];
  const add = (name: string, tag: Child = null) => {
    const schema = block.fields[name];
    if (!schema) return null;
    const made = control(name, schema, block.example[name], tag);
    controls.push(made);
    return made.element;
  };
  const grouped = new Set(block.groups.flat());
  const required = h(
    'div',
    { class: 'group' },
    ...block.groups.map((group) =>
      group.length === 1
        ? add(group[0] ?? '', h('span', { class: 'tag' }, 'required'))
        : h(
            'fieldset',
            { class: 'one-of' },
            h('legend', {}, `One of ${group.join(', ')} is required`),
            ...group.map((name) => add(name)),
          ),
    ),
  );
  const secrets = Object.keys(block.fields).filter(
    (name) => !grouped.has(name) && block.fields[name]?.['x-widget'] === 'password',
  );
  const credentials = h(
    'details',
    { class: 'group' },
    h('summary', {}, 'Twilio credentials (optional)'),
    h('p', { class: 'hint' }, "When empty, the Worker's own secrets are used (npm start sets demo ones)."),
    ...secrets.map((name) => add(name)),
  );
  const rest = Object.keys(block.fields).filter((name) => !grouped.has(name) && !secrets.includes(name));
  const optional = h(
    'details',
    { class: 'group' },
    h('summary', {}, `Optional fields (${rest.length})`),
    ...rest.map((name) => add(name)),
  );
  const body = () => {
    const out: Body = {};
    for (const { name, read } of controls) {
      const value = read();
      if (value !== undefined) out[name] = value;
    }
    return out;
  };
  return { element: h('div', {}, required, credentials, optional), body };
}
