import * as v from 'valibot';
import { type Block, credentials } from './fields';
import { blocks } from './index';
import { type KindSpec, kinds } from './kinds';

const DOC_TYPES = [
  'credentials',
  'String',
  'Number',
  'Boolean',
  'Select',
  'List',
  'Datepicker',
] as const satisfies readonly KindSpec['docType'][];

/**
 * `GET /api/Twilio`'s answer, defined once: the descriptor's type here, its JSON Schema in the OpenAPI document
 * (derived at build time). A function, so that the Worker bundle, which never calls it, does not carry it.
 */
export const descriptorShape = () =>
  v.pipe(
    v.object({
      package: v.string(),
      tagline: v.optional(v.string()),
      description: v.optional(v.string()),
      accounts: v.object({ domain: v.optional(v.string()), credentials: v.optional(v.array(v.string())) }),
      blocks: v.array(
        v.object({
          name: v.string(),
          title: v.string(),
          description: v.string(),
          args: v.array(
            v.object({
              name: v.string(),
              type: v.picklist(DOC_TYPES),
              info: v.string(),
              required: v.boolean(),
              options: v.optional(v.array(v.string())),
            }),
          ),
          callbacks: v.array(v.picklist(['success', 'error'])),
        }),
      ),
    }),
    v.description('The package descriptor, derived from the block tables.'),
  );

const describeBlock = (block: Block): v.InferInput<ReturnType<typeof descriptorShape>>['blocks'][number] => ({
  name: block.name,
  title: block.title,
  description: block.description,
  args: Object.values(block.fields).map((field) => ({
    name: field.name,
    type: kinds[field.kind].docType,
    info: field.description,
    required: block.requires.some((group) => group.anyOf.length === 1 && group.anyOf[0] === field.name),
    ...(field.options ? { options: [...field.options] } : {}),
  })),
  callbacks: ['success', 'error'],
});

let built: ReturnType<typeof build> | undefined;

/** `GET /api/Twilio`: the package descriptor, derived from the block tables on its first request. */
export const descriptor = () => {
  built ??= build();
  return built;
};

const build = () =>
  ({
    package: 'Twilio',
    tagline: 'Make voice calls, send SMS and send MMS through Twilio with one JSON call.',
    description:
      'Connect to the Twilio API to make voice calls, send SMS or send MMS. Twilio has a sandbox (test credentials) and a paid mode.',
    accounts: {
      domain: 'twilio.com',
      credentials: Object.keys(credentials),
    },
    blocks: blocks.map(describeBlock),
  }) satisfies v.InferInput<ReturnType<typeof descriptorShape>>;
