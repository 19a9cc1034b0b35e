import { type Block, credentials } from './fields';
import { blocks } from './index';
import { kinds } from './kinds';

const describeBlock = (block: Block) => ({
  name: block.name,
  title: block.title,
  description: block.description,
  args: Object.values(block.fields).map((field) => ({
    name: field.name,
    type: kinds[field.kind].docType,
    info: field.description,
    required: block.requires.some((group) => group.anyOf.length === 1 && group.anyOf[0] === field.name),
    ...(field.options ? { options: field.options } : {}),
  })),
  callbacks: ['success', 'error'],
});

let built: ReturnType<typeof build> | undefined;

/** `GET /api/Twilio`: the package descriptor, derived from the block tables on its first request. */
export const descriptor = () => {
  built ??= build();
  return built;
};

const build = () => ({
  package: 'Twilio',
  tagline: 'Make voice calls, send SMS and send MMS through Twilio with one JSON call.',
  description:
    'Connect to the Twilio API to make voice calls, send SMS or send MMS. Twilio has a sandbox (test credentials) and a paid mode.',
  accounts: {
    domain: 'twilio.com',
    credentials: Object.keys(credentials),
  },
  blocks: blocks.map(describeBlock),
});
