import { toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import * as v from 'valibot';
import * as z from 'zod/mini';
import { type Block, blocks, type Field, isOwnResource } from '../../blocks';
import { descriptorShape } from '../../blocks/descriptor';
import { jsonHints, kinds } from '../../blocks/kinds';
import { errorEnvelopeShape, successEnvelope } from '../../errors';
import { DryRunShape } from '../../recipes/dry-run';
import { requestRecordShape } from '../../send/record';
import { answeredShape } from '../../status/shapes';
import { exampleSid, type Resource } from '../../twilio/api';
import { decodePage, decodeResource } from '../../twilio/decode';
import { pageResource } from '../../twilio/resources';
import { Deleted, pageShape } from '../../twilio/shapes';
import { ACCOUNT, exampleCall, exampleMessage } from './examples';
import type { Schema } from './operation';
import { OPT_OUT_SCHEMAS, optOutAnswer } from './opt-outs';

/**
 * The document's schemas, derived: a block's request body from its table and each kind's zod/mini value schema
 * (`toJSONSchema`), every answer from its one valibot definition in the room that produces it
 * (`@valibot/to-json-schema`), with the examples the decoder makes of Twilio's own shapes.
 */

/** A field's value, as its kind's zod/mini schema states it (refinements say what they mean in `jsonHints`). */
export function fieldJsonSchema(field: Field): Schema {
  const { $schema: _, ...schema } = z.toJSONSchema(kinds[field.kind].value(field), {
    io: 'output',
    metadata: jsonHints,
  });
  return schema;
}

/** A field's schema: its value's, with the row's description, example and playground widget. */
function fieldSchema(field: Field): Schema {
  return {
    ...fieldJsonSchema(field),
    description: field.description,
    examples: [field.example],
    'x-widget': kinds[field.kind].widget,
  };
}

/**
 * A block's request body. A group of one field is `required`; a group of several ("one of") is an `anyOf`
 * of `required`s. Twilio's code and message for a missing group are kept as `x-twilio-error`.
 */
function requestSchema(block: Block): Schema {
  const groups = block.requires.filter((group) => group.anyOf.length > 1);
  return {
    type: 'object',
    title: block.title,
    description: `${block.description} The same fields may also be sent wrapped as {"args": {…}}, or as a form post; "" and null count as absent. Booleans also take "true"/"false", numbers numeric strings, lists a single string.`,
    properties: Object.fromEntries(Object.values(block.fields).map((field) => [field.name, fieldSchema(field)])),
    required: block.requires.filter((group) => group.anyOf.length === 1).map((group) => group.anyOf[0]),
    ...(groups.length
      ? {
          allOf: groups.map(({ anyOf, code, message }) => ({
            description: `One of ${anyOf.join(', ')} is required.`,
            anyOf: anyOf.map((name) => ({ required: [name] })),
            'x-twilio-error': { code, message },
          })),
        }
      : {}),
    additionalProperties: false,
  };
}

const NOUN: Readonly<Record<Resource, string>> = { Messages: 'Message', Calls: 'Call' };

/** What a block answers in `contextWrites.to`, by its action: the record, a page of records, or a deletion. */
export function answerOf(block: Block): { readonly schema: string; readonly what: string } {
  if (isOwnResource(block.resource)) return optOutAnswer(block.action, block.resource);
  const noun = NOUN[block.resource] as string;
  switch (block.action) {
    case 'create':
      return { schema: noun, what: `The ${noun.toLowerCase()} was created.` };
    case 'fetch':
      return { schema: noun, what: `The ${noun} as Twilio has it now.` };
    case 'update':
      return { schema: noun, what: `The ${noun}, updated.` };
    case 'list':
      return { schema: `${noun}Page`, what: `A page of ${block.resource}.` };
    case 'delete':
      return { schema: 'Deleted', what: `The ${noun} was deleted.` };
  }
}

const Message = answeredShape('Messages');
const Call = answeredShape('Calls');
const MessagePage = pageShape('Messages', Message);
const CallPage = pageShape('Calls', Call);
/** What any block answers in `contextWrites.to`. */
const Answer = v.union([Message, Call, MessagePage, CallPage, Deleted]);

/** The answers with a name in the document's components, each from its one definition. */
const SHAPES = {
  Message,
  Call,
  MessagePage,
  CallPage,
  Deleted,
  ErrorEnvelope: errorEnvelopeShape(),
  Descriptor: descriptorShape(),
  RequestRecord: requestRecordShape(Answer),
  DryRun: DryRunShape,
} satisfies Record<string, v.GenericSchema>;

const config = {
  target: 'draft-2020-12',
  definitions: SHAPES,
  overrideRef: ({ referenceId }: { referenceId: string }) => `#/components/schemas/${referenceId}`,
} as const;

/** A valibot shape's JSON Schema, the named shapes in it as references to the components. */
export function jsonOf(shape: v.GenericSchema): Schema {
  const { $schema: _, $defs: __, ...schema } = toJsonSchema(shape, config) as Schema;
  return schema;
}

type Envelope = Schema & { properties: Schema & { contextWrites: Schema & { properties: Schema } } };

/** The success envelope around a schema of the document (a reference to a component, say). */
export function successOf(to: Schema): Schema {
  const envelope = jsonOf(successEnvelope(v.unknown())) as Envelope;
  const { contextWrites } = envelope.properties;
  return {
    ...envelope,
    properties: { ...envelope.properties, contextWrites: { ...contextWrites, properties: { to } } },
  };
}

/** The success envelope of any block: a Message or a Call, a page of them, or a deletion. */
export const SENT = jsonOf(successEnvelope(Answer));

/** The examples of Twilio's shapes, decoded as the gateway answers them. */
function examplesOf(name: string): unknown[] | undefined {
  const page = (resource: Resource) =>
    decodePage(
      resource,
      pageResource({
        accountSid: ACCOUNT,
        resource,
        records: [resource === 'Calls' ? exampleCall() : exampleMessage()],
        filters: [['To', '+14155550100']],
        page: 0,
        pageSize: 1,
        nextPageToken: exampleSid(`PA${resource === 'Calls' ? 'CA' : 'SM'}`),
      }),
    );
  switch (name) {
    case 'Message':
      return [decodeResource('Messages', exampleMessage())];
    case 'Call':
      return [decodeResource('Calls', exampleCall())];
    case 'MessagePage':
      return [page('Messages')];
    case 'CallPage':
      return [page('Calls')];
    case 'Deleted':
      return [{ sid: exampleSid('SM'), deleted: true }];
  }
  return undefined;
}

/** The document's component schemas: each block's request body, and every named answer. */
export function componentSchemas(): Record<string, Schema> {
  const shapes = toJsonSchemaDefs(SHAPES, config) as unknown as Record<string, Schema>;
  return {
    ...Object.fromEntries(blocks.map((block) => [`${block.name}Request`, requestSchema(block)])),
    ...Object.fromEntries(
      Object.entries(shapes).map(([name, schema]) => {
        const examples = examplesOf(name);
        return [name, examples ? { ...schema, examples } : schema];
      }),
    ),
    ...OPT_OUT_SCHEMAS,
  };
}
