import { type Block, credentials, type Field } from './fields';
import { blocks } from './index';

/** The block doc's type names, as the descriptor shows them. */
export function docType(field: Field): string {
  switch (field.kind) {
    case 'credential':
      return 'credentials';
    case 'integer':
    case 'number':
      return 'Number';
    case 'boolean':
      return 'Boolean';
    case 'enum':
    case 'method':
      return 'Select';
    case 'list':
      return 'List';
    case 'datetime':
      return 'Datepicker';
    default:
      return 'String';
  }
}

const describeBlock = (block: Block) => ({
  name: block.name,
  title: block.title,
  description: block.description,
  args: Object.entries(block.fields).map(([name, field]) => ({
    name,
    type: docType(field),
    info: field.description,
    required: block.requires.some((group) => group.anyOf.length === 1 && group.anyOf[0] === name),
    ...(field.options ? { options: field.options } : {}),
  })),
  callbacks: ['success', 'error'],
});

/** `GET /api/Twilio`: the package descriptor, derived from the block tables. */
export const descriptor = {
  package: 'Twilio',
  tagline: 'Make voice calls, send SMS and send MMS through Twilio with one JSON call.',
  description:
    'Connect to the Twilio API to make voice calls, send SMS or send MMS. Twilio has a sandbox (test credentials) and a paid mode.',
  accounts: {
    domain: 'twilio.com',
    credentials: Object.keys(credentials),
  },
  blocks: blocks.map(describeBlock),
};
