import { blocks } from '../../blocks';
import { twilioError } from '../../errors';
import { SCHEME_HEADERS, SCHEMES, type Scheme, TOLERANCE_S } from '../../recipes/verify';
import { keyRequired } from '../../send/caller';
import { ERRORS, RATE_LIMITED } from '../openapi/errors';
import { RECORDS, REQUEST_ID } from '../openapi/examples';
import { acceptedResponse, type ErrorDoc, headersOf, type Route, ref, type Schema } from '../openapi/operation';
import { SENT } from '../openapi/schemas';
import { badHookSignature, noAsyncBindings, noRoute, notJsonNorForm } from '../refusals';
import { brokenRecipe, HOOK_EXAMPLE, hookAnswers, renderedRefusal } from './hooks.example';

/**
 * The documentation of routes/hooks.ts: the webhook recipes and the records of asynchronous sends. Read only by
 * the OpenAPI builder (src/http/openapi/document.ts), at build time.
 */

/** What the statuses of `POST /hooks/{name}` mean there: a 5xx only for what is safe to send again (Twilio's 429). */
// biome-ignore format: one line per status, as the table reads
const HOOK_ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ["The body is neither JSON nor a form; the rendered fields are refused as a caller's input would be (Twilio's rule and code, checked locally: e.g. a template path that rendered empty); or the recipe's eventId rendered empty.", { notJson: notJsonNorForm().text, rendered: renderedRefusal() }],
  401: ["The recipe's signature is missing, wrong or out of date (a wrong one counts against its IP's rate limit); or, for a recipe without verify (or a dry run), the caller key is missing or wrong.", { signature: badHookSignature(HOOK_EXAMPLE.recipe.verify.scheme).text, key: keyRequired().text }],
  403: ['The destination guard refuses before any POST: nothing is kept, and each retry meets the same refusal until the setting changes.', ERRORS[403]?.[1] ?? ''],
  404: ['No recipe of that name in RECIPES.', noRoute('POST', '/hooks/nope').text],
  429: ['Over the rate limit, with Retry-After: per recipe for a signed hook, per caller otherwise.', RATE_LIMITED],
  500: ['A recipe is broken (an unknown key, block or scheme, a field its block lacks, a secret that is not set, a template that cannot be read: named, never a value), another setting is invalid, or an unexpected failure.', brokenRecipe()],
  501: ['HOOKS_ASYNC=true without the SENDS queue or the REQUESTS Durable Object.', noAsyncBindings().text],
  503: ["Twilio stayed busy (429) through the bounded retries: it did not process the send, and nothing is kept, so the sender's retry may send. The only 5xx of a send.", twilioError(429, 20429, 'Too Many Requests').text],
};

/** What `GET /api/Twilio/requests/{id}` answers besides the record. */
// biome-ignore format: one line per status, as the table reads
const RECORD_ERRORS: Readonly<Record<string, ErrorDoc>> = {
  401: ['The caller key is wrong (or missing, with REQUIRE_API_KEY=always).', keyRequired().text],
  404: ['No such record: an unknown or malformed id, one older than 24 h, or one made with another caller key.', noRoute('GET', `/api/Twilio/requests/${REQUEST_ID}`).text],
  429: ["Over the rate limit of reads (a budget of their own: polling does not use up the caller's sends), with Retry-After.", RATE_LIMITED],
};

/** The hook's signature and event-id headers, one pair per scheme (recipes/verify.ts: SCHEME_HEADERS). */
// biome-ignore format: one line per scheme, as README's table reads
const SIGNATURES: Readonly<Record<Scheme, string>> = {
  github: '`sha256=` and the hex HMAC-SHA256 of the body, keyed with the webhook\'s secret',
  stripe: `\`t=…,v1=…\`: the hex HMAC-SHA256 of \`t.body\` (any v1), keyed with the endpoint's whsec_ secret; t within ${TOLERANCE_S / 60} minutes of now`,
  shopify: "the base64 HMAC-SHA256 of the body, keyed with the app's client secret",
  standard: `Standard Webhooks, \`v1,…\` (space-separated): the base64 HMAC-SHA256 of \`webhook-id.webhook-timestamp.body\`, keyed with the whsec_ + base64 secret; the timestamp within ${TOLERANCE_S / 60} minutes of now`,
  twilio: "Twilio's signature of the URL as received with, for a form, its fields (for JSON, the URL's bodySHA256), keyed with the Auth Token",
  header: 'the shared secret itself, in the header the recipe names (verify.header, default Authorization)',
};
const schemeHeaders = SCHEMES.flatMap((scheme) => {
  const [signature, event] = SCHEME_HEADERS[scheme];
  const headerParam = (name: string, description: string) => ({
    name,
    in: 'header',
    required: false,
    description,
    schema: { type: 'string' },
  });
  return [
    ...(signature ? [headerParam(signature, `The ${scheme} scheme's signature: ${SIGNATURES[scheme]}.`)] : []),
    ...(event
      ? [headerParam(event, `The ${scheme} scheme's event id: the send is made once per recipe and event id.`)]
      : []),
    ...(scheme === 'standard'
      ? [headerParam('webhook-timestamp', "The standard scheme's timestamp (seconds since the epoch), signed.")]
      : []),
  ];
});

const hookParameters: readonly Schema[] = [
  {
    name: 'name',
    in: 'path',
    required: true,
    description: "A recipe's name in RECIPES.",
    schema: { type: 'string' },
    example: HOOK_EXAMPLE.name,
  },
  {
    name: 'dryRun',
    in: 'query',
    required: false,
    description:
      '1 or true: with a valid signature (or the caller key), sends nothing and answers what would be sent: the rendered input, the paths that rendered empty, whether `when` held, the form, or the envelope a send would be refused with.',
    schema: { enum: ['1', 'true'] },
  },
  {
    name: 'bodySHA256',
    in: 'query',
    required: false,
    description: "The twilio scheme with a JSON body: the body's hex SHA-256, in the URL Twilio signs.",
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
  ...schemeHeaders,
  {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'The event id of a recipe without verify or with the header scheme, when it has no eventId template: the send is made once per recipe, caller and id (any text: its SHA-256 keys the store).',
    schema: { type: 'string', minLength: 1 },
  },
];

const formValues = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
};

export const hookRoutes: readonly Route[] = [
  {
    method: 'post',
    path: '/hooks/{name}',
    operationId: 'hook',
    summary: 'A webhook recipe',
    description: `A SaaS webhook in, one ${blocks.map((block) => block.name).join(', ')} out, exactly once per event id, as the recipe of that name in RECIPES says. In order: the body (at most 64 KB) is read once, raw; the recipe's signature is checked (schemes: ${SCHEMES.join(', ')}, each in its header below; the header scheme's: ${SIGNATURES.header}), or, for a recipe without verify, the caller key; the rate limit; \`when\` (else 204, nothing sent); the fields are rendered and validated as a caller's input; then the send, once per event id: 200 with the block's envelope (a provider's retry gets the same answer, with Idempotent-Replayed: true), or 202 with HOOKS_ASYNC=true. A send that is final without success (Twilio refused it, or its outcome is in doubt) is a 200 with the error envelope, so that the sender stops retrying; Twilio's 429 is a 503 (the retry may send); a refusal before any POST keeps its 4xx.`,
    tags: ['hooks'],
    parameters: hookParameters,
    bodyContent: {
      '*/*': {
        schema: {
          type: 'object',
          description:
            "The sender's own payload, as it posts it: any JSON object (read as JSON whatever its Content-Type, but a form's). Its raw bytes are what is signed.",
        },
        example: HOOK_EXAMPLE.payload,
      },
      'application/x-www-form-urlencoded': {
        schema: {
          ...formValues,
          description: "A form post (Twilio's own webhooks): its fields, a repeated one as a list.",
        },
      },
    },
    success: {
      description:
        "The send's envelope (a replay of the event id: the same answer, with Idempotent-Replayed: true); with ?dryRun=1, what would be sent.",
      schema: { oneOf: [SENT, ref('DryRun'), ref('ErrorEnvelope')] },
      examples: hookAnswers(),
      headers: ['Idempotent-Replayed'],
    },
    answers: {
      202: acceptedResponse(
        'HOOKS_ASYNC=true: accepted; the send goes through the queue, once per event id. Its record is at Location (readable by whoever holds its id).',
        HOOK_EXAMPLE.recipe.block,
      ),
      204: {
        description: "The recipe's `when` did not hold: nothing is sent.",
        headers: headersOf('204'),
      },
    },
    errors: ['413'],
    ownErrors: HOOK_ERRORS,
    keyed: 'optional',
  },
  {
    method: 'get',
    path: '/hooks',
    operationId: 'hooks',
    summary: 'The webhook recipes',
    description:
      "Each recipe's name, block and signature scheme (null: a caller key instead), for the playground: no template, no secret name. For a caller key, as a dry run (or an open Worker: ALLOW_ANONYMOUS, or the sandbox with no API_KEYS).",
    tags: ['hooks'],
    success: {
      description: 'The recipes, in the order of the document.',
      schema: {
        type: 'object',
        required: ['recipes'],
        properties: {
          recipes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'block', 'verify'],
              properties: {
                name: { type: 'string' },
                block: { enum: blocks.map((block) => block.name) },
                verify: { enum: [...SCHEMES, null] },
              },
            },
          },
        },
      },
      examples: {
        example: {
          summary: 'The example recipe',
          value: { recipes: [{ name: HOOK_EXAMPLE.name, block: HOOK_EXAMPLE.recipe.block, verify: 'stripe' }] },
        },
      },
    },
    errors: ['401', '500'],
    keyed: 'optional',
  },
  {
    method: 'get',
    path: '/api/Twilio/requests/{id}',
    operationId: 'request',
    summary: "An asynchronous send's record",
    description:
      'The record of a 202 (Prefer: respond-async, or a recipe with HOOKS_ASYNC=true), kept 24 h. One made with a caller key is shown to that key only (to any other caller it is the 404); one made without, to whoever holds its id.',
    tags: ['async'],
    parameters: [
      {
        name: 'id',
        in: 'path',
        required: true,
        description: "The request's id, from the 202's record or its Location.",
        schema: { type: 'string', format: 'uuid' },
        example: REQUEST_ID,
      },
    ],
    success: { description: 'The record.', schema: ref('RequestRecord'), examples: RECORDS },
    errors: ['500'],
    ownErrors: RECORD_ERRORS,
    keyed: 'optional',
  },
];
