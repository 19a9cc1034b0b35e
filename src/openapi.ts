import { type Block, blocks, type Field } from './blocks';
import { kinds } from './blocks/kinds';
import { type Resource, sidPattern } from './twilio/api';
import { decodeResource } from './twilio/decode';
import { CALL_FIELDS, callResource, DATE_FIELDS, MESSAGE_FIELDS, messageResource } from './twilio/resources';

/**
 * The OpenAPI 3.1 document of the Worker (`GET /openapi.json`), derived from the block tables: each block's
 * request body (every field's JSON Schema, limits, options, description and example from `kinds`, the required
 * groups as `required` and `anyOf`), the envelopes, the statuses of the README's error table, the caller-key
 * schemes. Adding a route to the document is one entry in `routes` below. Built at build time into a static
 * asset (see `openApiDocument`); routes/docs.ts serves it.
 */

type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A field's schema: its kind's JSON Schema, with the row's description, example and playground widget. */
function fieldSchema(field: Field): Schema {
  const kind = kinds[field.kind];
  return {
    ...kind.jsonSchema(field),
    description: field.description,
    examples: [field.example],
    'x-widget': kind.widget,
  };
}

/** The smallest valid body: the first field of each required group, with its example. */
export function minimalInput(block: Block): Record<string, unknown> {
  return Object.fromEntries(block.requires.map(({ anyOf: [name = ''] }) => [name, block.fields[name]?.example]));
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

const RESOURCE_FIELDS: Readonly<Record<Resource, readonly string[]>> = { Messages: MESSAGE_FIELDS, Calls: CALL_FIELDS };
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const NOW = new Date(Date.UTC(2026, 11, 1, 9, 0, 0));

/** A created resource as the gateway answers it: Twilio's shape (twilio/resources.ts), decoded. */
function resourceSchema(resource: Resource): Schema {
  const example =
    resource === 'Calls'
      ? decodeResource(
          'Calls',
          callResource({
            accountSid: ACCOUNT,
            to: '+14155550100',
            from: '+15005550006',
            now: NOW,
            sid: `CA${'0123456789abcdef'.repeat(2)}`,
          }),
        )
      : decodeResource(
          'Messages',
          messageResource({
            accountSid: ACCOUNT,
            to: '+14155550100',
            from: '+15005550006',
            body: 'Hello from the gateway',
            mediaUrls: [],
            now: NOW,
            sid: `SM${'0123456789abcdef'.repeat(2)}`,
          }),
        );
  const fields = RESOURCE_FIELDS[resource];
  return {
    type: 'object',
    description: `The ${resource === 'Calls' ? 'Call' : 'Message'} Twilio created: camelCase keys, ISO-8601 dates; every field listed is present (null when Twilio left it out).`,
    properties: Object.fromEntries(
      fields.map((key) => [
        camel(key),
        key === 'sid'
          ? { type: 'string', pattern: sidPattern(resource === 'Calls' ? 'CA' : 'SM|MM').source }
          : DATE_FIELDS.has(key)
            ? { type: ['string', 'null'], format: 'date-time' }
            : {},
      ]),
    ),
    required: fields.map(camel),
    examples: [example],
  };
}

const successEnvelope = (resource: Schema): Schema => ({
  type: 'object',
  properties: {
    callback: { const: 'success' },
    contextWrites: { type: 'object', properties: { to: resource }, required: ['to'] },
  },
  required: ['callback', 'contextWrites'],
});

const errorEnvelope: Schema = {
  type: 'object',
  description:
    'Every failure. contextWrites.to is the documented string; error is additive. With ERROR_STATUS=always-200 the HTTP status is 200 and error.status keeps the real one.',
  properties: {
    callback: { const: 'error' },
    contextWrites: {
      type: 'object',
      properties: {
        to: {
          type: 'string',
          description: 'The documented string, e.g. "[HTTP 401] Unable to create record: Authenticate".',
        },
      },
      required: ['to'],
    },
    error: {
      type: 'object',
      properties: {
        status: { type: 'integer', description: "Twilio's status when Twilio answered, else the gateway's." },
        code: { type: ['integer', 'null'], description: "Twilio's error code, null for the gateway's own refusals." },
        moreInfo: { type: ['string', 'null'], format: 'uri' },
        retryable: { type: 'boolean', description: 'True when the same request may be sent again safely.' },
        source: {
          enum: ['twilio', 'gateway'],
          description:
            '"twilio": Twilio\'s answer, or Twilio\'s own rule checked locally with its code and message. "gateway": the gateway\'s own refusals and failures.',
        },
      },
      required: ['status', 'code', 'moreInfo', 'retryable', 'source'],
    },
  },
  required: ['callback', 'contextWrites', 'error'],
};

const descriptorSchema: Schema = {
  type: 'object',
  description: 'The package descriptor, derived from the block tables.',
  properties: {
    package: { type: 'string' },
    tagline: { type: 'string' },
    description: { type: 'string' },
    accounts: {
      type: 'object',
      properties: { domain: { type: 'string' }, credentials: { type: 'array', items: { type: 'string' } } },
    },
    blocks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          args: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                type: { enum: ['credentials', 'String', 'Number', 'Boolean', 'Select', 'List', 'Datepicker'] },
                info: { type: 'string' },
                required: { type: 'boolean' },
                options: { type: 'array', items: { type: 'string' } },
              },
              required: ['name', 'type', 'info', 'required'],
            },
          },
          callbacks: { type: 'array', items: { enum: ['success', 'error'] } },
        },
        required: ['name', 'title', 'description', 'args', 'callbacks'],
      },
    },
  },
  required: ['package', 'accounts', 'blocks'],
};

/** The statuses of the README's error table (and its Security refusals): what each means, one documented string. */
// biome-ignore format: one line per status, as the table reads
const ERRORS: Readonly<Record<string, readonly [description: string, example: string]>> = {
  400: ['Refused input: a missing or bad field (Twilio\'s rule and code, checked locally, or Twilio\'s own 400), an unknown field, bad JSON, a malformed Idempotency-Key, or no credentials in the request nor in the secrets ("Credentials are required to create a Client").', "[HTTP 400] Unable to create record: A 'From' phone number is required."],
  401: ['Twilio refused the credentials (wrong token), or the caller key is missing or wrong (gateway).', '[HTTP 401] Refused by the gateway: A valid API key is required: Authorization: Bearer <key>, X-API-Key or Basic'],
  403: ["Twilio's 403, or the gateway's destination guard: a `to` or dialled TwiML outside ALLOWED_DESTINATIONS, or a body over MAX_SEGMENTS.", "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations"],
  404: ['The account SID is not AC + 32 hex digits (checked locally) or Twilio does not know it; or no such route.', '[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/AC5f37acb25ffaeb498a78/Messages.json was not found'],
  409: ['An earlier request with this Idempotency-Key has an outcome that was lost: it is not sent again.', '[HTTP 409] Refused by the gateway: A request with this Idempotency-Key was started and its outcome is unknown; it is not sent again'],
  413: ['The request body is over 64 KB.', '[HTTP 413] Refused by the gateway: The request body is over 64 KB'],
  415: ['The body is neither JSON nor a form.', '[HTTP 415] Unable to create record: Content-Type must be application/json or application/x-www-form-urlencoded'],
  422: ['This Idempotency-Key was already used with a different request.', '[HTTP 422] Refused by the gateway: This Idempotency-Key was already used with a different request'],
  429: ['Twilio stayed busy through the bounded retries, or this caller is over its rate limit (gateway, with Retry-After).', '[HTTP 429] Unable to create record: Too many requests'],
  '4XX': ["Any other refusal by Twilio, with Twilio's status and message.", "[HTTP 400] Unable to create record: The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."],
  500: ['A setting of the Worker is invalid (the setting is named, never its value), or an unexpected failure.', 'Gateway configuration error: invalid TWILIO_TIMEOUT_MS'],
  502: ["Twilio answered 5xx (error.status keeps Twilio's status), could not be reached, redirected, or answered garbage.", '[HTTP 502] Unable to create record: Twilio could not be reached'],
  504: ['Twilio did not answer within TWILIO_TIMEOUT_MS. The record may exist: not retryable.', '[HTTP 504] Unable to create record: Twilio did not answer within 10000 ms'],
};

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
/** Headers of a status besides X-Request-Id (on every answer). */
const HEADERS: Readonly<Record<string, readonly string[]>> = { 200: ['Idempotent-Replayed'], 429: ['Retry-After'] };
const headersOf = (status: string) =>
  Object.fromEntries(['X-Request-Id', ...(HEADERS[status] ?? [])].map((name) => [name, header(name)]));

const errorResponses = (statuses: readonly string[]) =>
  Object.fromEntries(
    statuses.map((status) => {
      const [description, example] = ERRORS[status] ?? ['', ''];
      return [
        status,
        {
          description,
          headers: headersOf(status),
          content: {
            'application/json': {
              schema: ref('ErrorEnvelope'),
              example: { callback: 'error', contextWrites: { to: example } },
            },
          },
        },
      ];
    }),
  );

/** One route of the document. */
interface Route {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** The name of the request body schema in components (JSON). */
  readonly body?: string;
  readonly bodyExample?: unknown;
  readonly success: { readonly description: string; readonly schema: Schema };
  /** Keys of ERRORS this route may answer. */
  readonly errors: readonly string[];
  /** True when a caller key is asked for (on a Worker with API_KEYS). */
  readonly keyed?: boolean;
}

const SEND_ERRORS = ['400', '401', '403', '404', '409', '413', '415', '422', '429', '4XX', '500', '502', '504'];

/** The routes of the Worker. A new route is one entry here. */
const routes: readonly Route[] = [
  ...blocks.map(
    (block): Route => ({
      method: 'post',
      path: `/api/Twilio/${block.name}`,
      operationId: block.name,
      summary: block.title,
      description: `${block.description} Answers {"callback":"success"} with the created ${block.resource === 'Calls' ? 'Call' : 'Message'}, or {"callback":"error"} with the documented string.`,
      tags: ['blocks'],
      body: `${block.name}Request`,
      bodyExample: minimalInput(block),
      success: {
        description: `The ${block.resource === 'Calls' ? 'call' : 'message'} was created.`,
        schema: successEnvelope(ref(block.resource === 'Calls' ? 'Call' : 'Message')),
      },
      errors: SEND_ERRORS,
      keyed: true,
    }),
  ),
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
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document, derived from the block tables.',
    tags: ['meta'],
    success: { description: 'The document.', schema: { type: 'object' } },
    errors: ['500'],
  },
];

/** The caller-key schemes, as alternatives: any one of them. */
const KEYED = [{ bearer: [] }, { apiKey: [] }, { basic: [] }];

function operation(route: Route): Schema {
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: route.tags,
    ...(route.keyed ? { security: KEYED, parameters: [{ $ref: '#/components/parameters/Idempotency-Key' }] } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(route.body), example: route.bodyExample } },
          },
        }
      : {}),
    responses: {
      200: {
        description: route.success.description,
        headers: headersOf(route.keyed ? '200' : ''),
        content: { 'application/json': { schema: route.success.schema } },
      },
      ...errorResponses(route.errors),
    },
  };
}

/**
 * The document, without `servers`: the Worker adds itself (its origin and Twilio mode) when it serves it.
 * Built with the page's assets (scripts/build-page.mjs writes public/openapi.json), not in the Worker, whose
 * bundle it would grow by about 3.5 KB gzip.
 */
export function openApiDocument(): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Twilio edge gateway',
      version: '1.0.0',
      summary: 'Make voice calls, send SMS and send MMS through Twilio with one JSON call.',
      description:
        '`Twilio` in the path is matched case-insensitively. Every answer carries an X-Request-Id header. A caller key is needed on a Worker with API_KEYS to spend its stored Twilio credentials; a request that brings its own accountSid and accountToken needs none (unless REQUIRE_API_KEY=always), nor does the local sandbox without API_KEYS. GET /api/Twilio and this document are public.',
    },
    tags: [
      { name: 'blocks', description: 'One POST per block: make a call, send an SMS, send an MMS.' },
      { name: 'meta', description: 'What the Worker offers.' },
    ],
    paths,
    components: {
      schemas: {
        ...Object.fromEntries(blocks.map((block) => [`${block.name}Request`, requestSchema(block)])),
        Message: resourceSchema('Messages'),
        Call: resourceSchema('Calls'),
        ErrorEnvelope: errorEnvelope,
        Descriptor: descriptorSchema,
      },
      parameters: {
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the send exactly-once per caller: repeats within 24 h get the same status and body, with Idempotent-Replayed: true.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      headers: {
        'X-Request-Id': {
          description: "The request's id (the caller's own, if well-formed), named in the log line too.",
          schema: { type: 'string' },
        },
        'Idempotent-Replayed': {
          description: 'true when this is the stored answer to an earlier request with the same Idempotency-Key.',
          schema: { const: 'true' },
        },
        'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'string' } },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A caller key: Authorization: Bearer <key>.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A caller key: X-API-Key: <key>.' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: "The block doc's project credentials: projectName:projectKey, the key being the password.",
        },
      },
    },
  };
}
