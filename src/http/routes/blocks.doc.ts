import { blocks, readAliases } from '../../blocks';
import { OPERATIONS } from '../../twilio/operations';
import { READ_ERRORS, RECORD_404, SEND_ERRORS } from '../openapi/errors';
import { minimalInput } from '../openapi/examples';
import { acceptedResponse, param, type Route, ref } from '../openapi/operation';
import { answerOf, fieldJsonSchema, successOf } from '../openapi/schemas';

/**
 * The documentation of routes/blocks.ts: one POST per block, the GET aliases of the reads, and the descriptor.
 * Read only by the OpenAPI builder (src/http/openapi/document.ts), at build time.
 */
export const blockRoutes: readonly Route[] = [
  ...blocks.map((block): Route => {
    const answer = answerOf(block);
    const answers = `${block.description} Answers {"callback":"success"} with ${answer.what.charAt(0).toLowerCase()}${answer.what.slice(1, -1)}, or {"callback":"error"} with the documented string.`;
    const common = {
      method: 'post',
      path: `/api/Twilio/${block.name}`,
      operationId: block.name,
      summary: block.title,
      tags: ['blocks'],
      body: `${block.name}Request`,
      bodyExample: minimalInput(block),
      ...(block.action === 'create' ? {} : { ownErrors: RECORD_404, unable: OPERATIONS[block.action].unable }),
      keyed: true,
    } as const;
    // A read is idempotent by itself: no Idempotency-Key, and Prefer: respond-async is declined (answered now).
    if (!OPERATIONS[block.action].changes) {
      return {
        ...common,
        description: `${answers} A read answers now: it takes no Idempotency-Key (ignored) and declines Prefer: respond-async (no Preference-Applied).`,
        success: { description: answer.what, schema: successOf(ref(answer.schema)), headers: [] },
        errors: READ_ERRORS,
        idempotent: false,
      };
    }
    return {
      ...common,
      description: `${answers} With Prefer: respond-async, 202 at once and the request through the queue.`,
      parameters: [param('Prefer')],
      success: { description: answer.what, schema: successOf(ref(answer.schema)) },
      answers: {
        202: acceptedResponse(
          'Prefer: respond-async: accepted, after the checks a send makes before anything goes out (the caller key, credentials, the destination guard, the input); the send goes through the queue. Its record is at Location.',
          block.name,
        ),
      },
      errors: SEND_ERRORS,
    };
  }),
  ...readAliases.map(([path, block]): Route => {
    const answer = answerOf(block);
    return {
      method: 'get',
      path: `/api/Twilio${path.replace(':sid', '{sid}')}`,
      operationId: `${block.name}ByUrl`,
      summary: `${block.title} (GET)`,
      description: `${block.name} as a GET: ${block.action === 'list' ? "the filters and paging in the query, under the block's names" : 'the SID in the path'}. The Worker's own credentials are used (a caller key where API_KEYS is set); credentials are never taken from a URL.`,
      tags: ['blocks'],
      parameters: Object.values(block.fields)
        .filter((field) => field.kind !== 'credential')
        .map((field) => ({
          name: field.name,
          in: field.in ?? 'query',
          required: field.in === 'path',
          description: field.description,
          schema: fieldJsonSchema(field),
          example: field.example,
        })),
      success: { description: answer.what, schema: successOf(ref(answer.schema)), headers: [] },
      errors: ['400', '401', '429', '4XX', '500', '502', '504'],
      ownErrors: RECORD_404,
      unable: OPERATIONS[block.action].unable,
      keyed: true,
    };
  }),
  {
    method: 'get',
    path: '/api/Twilio',
    operationId: 'describe',
    summary: 'The block descriptor',
    description: "The package, its accounts and each block's arguments with their types and callbacks.",
    tags: ['meta'],
    success: { description: 'The descriptor.', schema: ref('Descriptor') },
    errors: ['500'],
  },
];
