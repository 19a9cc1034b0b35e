import type { Block, BlockTable, Field, FieldRow } from './fields';
import { kinds } from './kinds';

/** The caller name in PascalCase: Twilio's form key for every parameter the blocks take. */
const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** A row with what is derived filled in: its name, its Twilio key, its kind's default limits, an example. */
function deriveField(name: string, row: FieldRow): Field {
  const kind = kinds[row.kind];
  const field = {
    ...kind.defaults,
    ...row,
    name,
    key: kind.form === 'none' || row.in === 'path' ? undefined : (row.key ?? pascal(name)),
  };
  return { ...field, example: row.example ?? kind.example({ ...field, example: '' }) };
}

/** A block from its table: each row derived once, at start-up; a block creates unless it says otherwise. */
export function defineBlock(table: BlockTable): Block {
  const fields = Object.fromEntries(Object.entries(table.fields).map(([name, row]) => [name, deriveField(name, row)]));
  return { ...table, action: table.action ?? 'create', fields };
}
