import { type Block, blocks, type Field, readAliases } from '../blocks';
import { pairsOf, toForm } from '../blocks/form';
import { kinds } from '../blocks/kinds';
import { sendSms } from '../blocks/messages';
import { blockParser } from '../blocks/schema';
import { badRequest, errorBody, GatewayError, gatewayRefusal, twilioError } from '../errors';
import { readRecipes } from '../recipes/document';
import { matches, renderFields, type Scope } from '../recipes/template';
import { SCHEME_HEADERS, SCHEMES, type Scheme, TOLERANCE_S } from '../recipes/verify';
import { keyRequired } from '../send/caller';
import type { RequestRecord, view } from '../send/requests';
import { RECORD_PREFIX, type Resource, sidPattern } from '../twilio/api';
import { decodePage, decodeResource } from '../twilio/decode';
import { OPERATIONS } from '../twilio/operations';
import {
  CALL_FIELDS,
  callResource,
  DATE_FIELDS,
  MESSAGE_FIELDS,
  messageResource,
  pageKey,
  pageResource,
} from '../twilio/resources';
import { issueToError } from './validate';

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

/** A Message the gateway answers for an input's to, from and body: Twilio's shape (twilio/resources.ts), decoded. */
const messageOf = (input: Readonly<Record<string, unknown>>) =>
  decodeResource(
    'Messages',
    messageResource({
      accountSid: ACCOUNT,
      to: String(input.to),
      from: String(input.from),
      body: String(input.body),
      mediaUrls: [],
      now: NOW,
      sid: `SM${'0123456789abcdef'.repeat(2)}`,
    }),
  );

/** The example Call, as Twilio answers it. */
const exampleCall = () =>
  callResource({
    accountSid: ACCOUNT,
    to: '+14155550100',
    from: '+15005550006',
    now: NOW,
    sid: `CA${'0123456789abcdef'.repeat(2)}`,
  });
/** The example Message, as Twilio answers it. */
const exampleMessage = () =>
  messageResource({
    accountSid: ACCOUNT,
    to: '+14155550100',
    from: '+15005550006',
    body: 'Hello from the gateway',
    mediaUrls: [],
    now: NOW,
    sid: `SM${'0123456789abcdef'.repeat(2)}`,
  });

/** A resource as the gateway answers it: Twilio's shape (twilio/resources.ts), decoded. */
/** What a read adds from the status callbacks received (status/merge.ts; README "Status callbacks"). */
const TIMELINE: Schema = {
  type: 'array',
  description:
    "getMessage, getCall and each record of listMessages and listCalls (up to 100 a page), when the gateway recorded statuses for the SID: every status, in order (a late one marked late, one fetched by reconciliation marked reconciled), with when it happened and was received. status and errorCode are then the recorded ones where further along than Twilio's answer.",
  items: {
    type: 'object',
    required: ['status', 'at', 'receivedAt', 'errorCode'],
    properties: {
      status: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      receivedAt: { type: 'string', format: 'date-time' },
      errorCode: { type: ['string', 'null'] },
      sequence: { type: 'integer', description: "A call's SequenceNumber." },
      late: { const: true },
      reconciled: { const: true, description: 'Fetched from Twilio by reconciliation: its callback never came.' },
    },
  },
};

/** What a tracked create adds (TRACK_STATUS; status/track.ts; README "Status callbacks"). */
const TRACKING: Schema = {
  type: 'object',
  description:
    "A create made with TRACK_STATUS: every update forwarded to your statusCallback for this record carries this correlationId (and the record's sid).",
  required: ['correlationId'],
  properties: {
    correlationId: { type: 'string', format: 'uuid' },
    forward: { type: 'string', format: 'uri', description: 'Your statusCallback, where the updates go.' },
  },
};

function resourceSchema(resource: Resource): Schema {
  const example = decodeResource(resource, resource === 'Calls' ? exampleCall() : exampleMessage());
  const fields = RESOURCE_FIELDS[resource];
  return {
    type: 'object',
    description: `A ${resource === 'Calls' ? 'Call' : 'Message'} as Twilio answers it: camelCase keys, ISO-8601 dates; every field listed is present (null when Twilio left it out).`,
    properties: {
      ...Object.fromEntries(
        fields.map((key) => [
          camel(key),
          key === 'sid'
            ? { type: 'string', pattern: sidPattern(RECORD_PREFIX[resource]).source }
            : DATE_FIELDS.has(key)
              ? { type: ['string', 'null'], format: 'date-time' }
              : {},
        ]),
      ),
      timeline: TIMELINE,
      tracking: TRACKING,
    },
    required: fields.map(camel),
    examples: [example],
  };
}

const NOUN: Readonly<Record<Resource, string>> = { Messages: 'Message', Calls: 'Call' };
const uriOrNull = { type: ['string', 'null'] };

/** A list page as the gateway answers it (twilio/decode.ts: decodePage): the records and Twilio's paging. */
function pageSchema(resource: Resource): Schema {
  const key = pageKey(resource);
  const page = pageResource({
    accountSid: ACCOUNT,
    resource,
    records: [resource === 'Calls' ? exampleCall() : exampleMessage()],
    filters: [['To', '+14155550100']],
    page: 0,
    pageSize: 1,
    nextPageToken: `PA${resource === 'Calls' ? 'CA' : 'SM'}${'0123456789abcdef'.repeat(2)}`,
  });
  return {
    type: 'object',
    description: `A page of ${resource}, newest first, with Twilio's paging camelCased. For the next page, send the same input with pageToken = nextPageToken and page = page + 1; nextPageToken is null on the last page.`,
    properties: {
      [key]: { type: 'array', items: ref(NOUN[resource] as string) },
      page: { type: 'integer', minimum: 0 },
      pageSize: { type: 'integer', minimum: 1 },
      start: { type: 'integer', minimum: 0 },
      end: { type: 'integer', minimum: 0 },
      uri: { type: 'string', description: "This page's path on Twilio's API." },
      firstPageUri: { type: 'string' },
      nextPageUri: uriOrNull,
      previousPageUri: uriOrNull,
      nextPageToken: { type: ['string', 'null'], description: 'Give it as pageToken for the next page.' },
      previousPageToken: { type: ['string', 'null'], description: 'Give it as pageToken for the previous page.' },
    },
    required: [
      key,
      'page',
      'pageSize',
      'start',
      'end',
      'uri',
      'firstPageUri',
      'nextPageUri',
      'previousPageUri',
      'nextPageToken',
      'previousPageToken',
    ],
    examples: [decodePage(resource, page)],
  };
}

/** What a delete answers (Twilio's 204 has no body). */
const deletedSchema: Schema = {
  type: 'object',
  description: 'The record was deleted (Twilio answered 204).',
  properties: { sid: { type: 'string', pattern: sidPattern('SM|MM|CA').source }, deleted: { const: true } },
  required: ['sid', 'deleted'],
  examples: [{ sid: `SM${'0123456789abcdef'.repeat(2)}`, deleted: true }],
};

/** What a block answers in `contextWrites.to`, by its action: the record, a page of records, or a deletion. */
function answerOf(block: Block): { readonly schema: string; readonly what: string } {
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

const successEnvelope = (resource: Schema): Schema => ({
  type: 'object',
  properties: {
    callback: { const: 'success' },
    contextWrites: { type: 'object', properties: { to: resource }, required: ['to'] },
  },
  required: ['callback', 'contextWrites'],
});
/** The success envelope of any block: a Message or a Call, a page of them, or a deletion. */
const SENT = successEnvelope({
  oneOf: [ref('Message'), ref('Call'), ref('MessagePage'), ref('CallPage'), ref('Deleted')],
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
        hint: {
          type: 'string',
          description:
            'How to fix the request or the setting, when the gateway knows (absent otherwise); never a secret.',
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

/** A record as `GET /api/Twilio/requests/{id}` shows it (queue.ts: `view`, the record without its owner). */
type Shown = ReturnType<typeof view>;

const requestRecordSchema: Schema = {
  type: 'object',
  description:
    "An asynchronous send's record, kept 24 h: pending (with lastError while a 429 is retried), done (with the envelope the send answered), or failed (with the error envelope and lastError). It holds no input and no secret.",
  properties: {
    id: {
      type: 'string',
      format: 'uuid',
      description: "The request's id; its record is at /api/Twilio/requests/{id}.",
    },
    status: { enum: ['pending', 'done', 'failed'] satisfies RequestRecord['status'][] },
    block: { enum: blocks.map((block) => block.name) },
    created: { type: 'string', format: 'date-time' },
    updated: { type: 'string', format: 'date-time' },
    attempts: { type: 'integer', minimum: 0, description: 'Deliveries made so far.' },
    result: {
      description: 'The envelope the send answered: success when done, the error when failed.',
      oneOf: [SENT, ref('ErrorEnvelope')],
    },
    lastError: {
      type: 'string',
      description: "The last failure's documented string (while retrying, and once failed).",
    },
  } satisfies Record<keyof Shown, Schema>,
  required: ['id', 'status', 'block', 'created', 'updated', 'attempts'] satisfies (keyof Shown)[],
  additionalProperties: false,
  // What each status brings: done, the success envelope; failed, the error envelope and its string.
  oneOf: [
    { properties: { status: { const: 'pending' } }, not: { required: ['result'] } },
    { properties: { status: { const: 'done' }, result: SENT }, required: ['result'] },
    { properties: { status: { const: 'failed' }, result: ref('ErrorEnvelope') }, required: ['result', 'lastError'] },
  ],
};

/** The example records: one request's, accepted now (NOW), the consumer done 1.27 s later. */
const REQUEST_ID = '3f1c2a9e-8b7d-4c6e-9f01-23456789abcd';
const LATER = new Date(NOW.getTime() + 1270).toISOString();
const accepted = (block: string): Shown => ({
  id: REQUEST_ID,
  status: 'pending',
  block,
  created: NOW.toISOString(),
  updated: NOW.toISOString(),
  attempts: 0,
});
/** Twilio's refusal of a `to` (its 400, code 21211), as the gateway frames it. */
const invalidTo = (to: string) => twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
const refused = invalidTo('+14155550100');
const RECORDS: Readonly<Record<string, { readonly summary: string; readonly value: Shown }>> = {
  pending: {
    summary: "Twilio answered 429: retried later, with Twilio's message",
    value: {
      ...accepted('sendSms'),
      updated: LATER,
      attempts: 1,
      lastError: twilioError(429, 20429, 'Too Many Requests').text,
    },
  },
  done: {
    summary: 'Sent: the envelope the send answered',
    value: {
      ...accepted('sendSms'),
      status: 'done',
      updated: LATER,
      attempts: 1,
      result: { callback: 'success', contextWrites: { to: messageOf(minimalInput(sendSms)) } },
    },
  },
  failed: {
    summary: 'Twilio refused it: failed at once (only a 429 is retried), with the error envelope',
    value: {
      ...accepted('sendSms'),
      status: 'failed',
      updated: LATER,
      attempts: 1,
      result: errorBody(refused),
      lastError: refused.text,
    },
  },
};

/** A status's meaning on a route, and its documented string (several, named, where it has several causes). */
type ErrorDoc = readonly [description: string, example: string | Readonly<Record<string, string>>];

/** The statuses of the README's error table (and its Security refusals): what each means, one documented string. */
// biome-ignore format: one line per status, as the table reads
const ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ['Refused input: a missing or bad field (Twilio\'s rule and code, checked locally, or Twilio\'s own 400), an unknown field, bad JSON, a malformed Idempotency-Key, or no credentials in the request nor in the secrets ("Credentials are required to create a Client").', "[HTTP 400] Unable to create record: A 'From' phone number is required."],
  401: ['Twilio refused the credentials (wrong token), or the caller key is missing or wrong (gateway).', keyRequired().text],
  403: ["Twilio's 403, or the gateway's destination guard: a `to` or dialled TwiML outside ALLOWED_DESTINATIONS, or a body over MAX_SEGMENTS.", "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations"],
  404: ['The account SID is not AC + 32 hex digits (checked locally) or Twilio does not know it; or no such route.', '[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/AC5f37acb25ffaeb498a78/Messages.json was not found'],
  409: ['An earlier request with this Idempotency-Key has an outcome that was lost: it is not sent again.', '[HTTP 409] Refused by the gateway: A request with this Idempotency-Key was started and its outcome is unknown; it is not sent again'],
  413: ['The request body is over 64 KB.', '[HTTP 413] Refused by the gateway: The request body is over 64 KB'],
  415: ['The body is neither JSON nor a form.', '[HTTP 415] Unable to create record: Content-Type must be application/json or application/x-www-form-urlencoded'],
  422: ['This Idempotency-Key was already used with a different request.', '[HTTP 422] Refused by the gateway: This Idempotency-Key was already used with a different request'],
  429: ['Twilio stayed busy through the bounded retries, or this caller is over its rate limit (gateway, with Retry-After).', '[HTTP 429] Unable to create record: Too many requests'],
  '4XX': ["Any other refusal by Twilio, with Twilio's status and message.", "[HTTP 400] Unable to create record: The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."],
  500: ['A setting of the Worker is invalid (the setting is named, never its value), or an unexpected failure.', 'Gateway configuration error: invalid TWILIO_TIMEOUT_MS'],
  501: ['A binding the request needs is missing: Idempotency-Key without the IDEMPOTENCY Durable Object, or Prefer: respond-async without the SENDS queue or the REQUESTS Durable Object.', { idempotency: gatewayRefusal(501, 'Idempotency-Key needs the IDEMPOTENCY Durable Object binding').text, async: gatewayRefusal(501, 'Asynchronous sends need the SENDS and REQUESTS bindings').text }],
  502: ["Twilio answered 5xx (error.status keeps Twilio's status), could not be reached, redirected, or answered garbage.", '[HTTP 502] Unable to create record: Twilio could not be reached'],
  504: ['Twilio did not answer within TWILIO_TIMEOUT_MS. The record may exist: not retryable.', '[HTTP 504] Unable to create record: Twilio did not answer within 10000 ms'],
};

/** Over the rate limit (middleware/rate-limit.ts), as a hook or a record's reader meets it. */
const RATE_LIMITED = gatewayRefusal(429, 'Too many requests from this caller; try again later', true).text;

/**
 * The hook's examples: README's Stripe recipe (a failed payment → SMS) and the event Stripe posts for it. What
 * the recipe makes of the event is worked out by the recipes' own code (recipes/), as routes/hooks.ts does.
 */
export const HOOK_EXAMPLE = {
  name: 'stripe-failed-payment',
  recipe: {
    block: 'sendSms',
    verify: { scheme: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET' },
    when: { type: 'invoice.payment_failed' },
    fields: {
      from: '+15005550006',
      to: '{{data.object.customer_phone}}',
      body: 'Hi {{data.object.customer_name | default:"there"}}, your payment of {{data.object.amount_due | money}} {{data.object.currency | upper}} failed. Update your card: {{data.object.hosted_invoice_url}}',
    },
  },
  /** Stripe's `invoice.payment_failed` event, trimmed to what the recipe reads and a few neighbours. */
  payload: {
    id: 'evt_1QyFa2LkdIwHu7ixYzKt3Ab9',
    object: 'event',
    type: 'invoice.payment_failed',
    created: 1764486000,
    data: {
      object: {
        id: 'in_1QyFZzLkdIwHu7ixKq5d2Hn1',
        object: 'invoice',
        amount_due: 4900,
        currency: 'usd',
        customer_name: 'Ana Silva',
        customer_phone: '+14155550123',
        hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1Qy/test_YWNjdF8xUXk',
      },
    },
  },
} as const;

/** The example recipe decoded by recipes/document.ts, with `env` as the Worker's (its secret set, or not). */
const exampleRecipes = (env: Record<string, unknown>) =>
  readRecipes({ RECIPES: { [HOOK_EXAMPLE.name]: HOOK_EXAMPLE.recipe }, ...env });

/** What the example recipe makes of a payload, as the hook does: the rendered input, the missing paths, `when`. */
function renderExample(payload: unknown) {
  const recipe = exampleRecipes({ [HOOK_EXAMPLE.recipe.verify.secret]: 'whsec_example' }).byName.get(HOOK_EXAMPLE.name);
  if (!recipe) throw new Error('openapi: the example recipe did not load');
  const scope: Scope = { payload, headers: new Headers() };
  const missing = new Set<string>();
  const input = renderFields(recipe.fields, scope, missing);
  const matched = !recipe.when || matches(recipe.when, scope);
  return { block: recipe.block, input, missing: [...missing], matched, parsed: blockParser(recipe.block).parse(input) };
}

/** The hook's 200s: the send's envelope, and the dry run's answer, for the example event. */
function hookAnswers() {
  const { block, input, missing, matched, parsed } = renderExample(HOOK_EXAMPLE.payload);
  if (!parsed.success) throw new Error('openapi: the example recipe renders an input its block refuses');
  return {
    sent: {
      summary: "Sent (or replayed, with Idempotent-Replayed: true): the block's envelope",
      value: { callback: 'success', contextWrites: { to: messageOf(parsed.data) } },
    },
    dryRun: {
      summary: '?dryRun=1: what would be sent; nothing is',
      value: {
        dryRun: true,
        recipe: HOOK_EXAMPLE.name,
        block: block.name,
        matched,
        // Stripe's event id is the payload's id (routes/hooks.ts; SCHEME_HEADERS names no header for it).
        eventId: HOOK_EXAMPLE.payload.id,
        async: false,
        input,
        missing,
        wouldSend: { resource: block.resource, form: pairsOf(toForm(block, parsed.data)) },
        error: null,
      },
    },
    failed: {
      summary:
        "Final, not sent: Twilio refused the send, or its outcome is in doubt (Twilio's 5xx, a timeout). 200, so that the sender stops retrying; the error envelope says why",
      value: errorExample(invalidTo(HOOK_EXAMPLE.payload.data.object.customer_phone).text),
    },
  };
}

/** The documented string of the example event's rendered input when the path of `to` has no value. */
function renderedRefusal(): string {
  const { object } = HOOK_EXAMPLE.payload.data;
  const { block, parsed } = renderExample({
    ...HOOK_EXAMPLE.payload,
    data: { object: { ...object, customer_phone: null } },
  });
  if (parsed.success) throw new Error('openapi: the example recipe accepts an event without a phone number');
  return issueToError(block, parsed.error.issues).text;
}

/** The configuration error of the example recipe on a Worker where its secret is not set. */
function brokenRecipe(): string {
  try {
    exampleRecipes({});
  } catch (err) {
    if (err instanceof GatewayError) return err.text;
  }
  throw new Error('openapi: the example recipe loads without its secret');
}

/** What the statuses of `POST /hooks/{name}` mean there: a 5xx only for what is safe to send again (Twilio's 429). */
// biome-ignore format: one line per status, as the table reads
const HOOK_ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ["The body is neither JSON nor a form; the rendered fields are refused as a caller's input would be (Twilio's rule and code, checked locally: e.g. a template path that rendered empty); or the recipe's eventId rendered empty.", { notJson: badRequest('The body is neither JSON nor a form').text, rendered: renderedRefusal() }],
  401: ["The recipe's signature is missing, wrong or out of date (a wrong one counts against its IP's rate limit); or, for a recipe without verify (or a dry run), the caller key is missing or wrong.", { signature: gatewayRefusal(401, `The webhook's ${HOOK_EXAMPLE.recipe.verify.scheme} signature is missing, wrong or out of date`).text, key: keyRequired().text }],
  403: ['The destination guard refuses before any POST: nothing is kept, and each retry meets the same refusal until the setting changes.', ERRORS[403]?.[1] ?? ''],
  404: ['No recipe of that name in RECIPES.', badRequest('No route for POST /hooks/nope', 404).text],
  429: ['Over the rate limit, with Retry-After: per recipe for a signed hook, per caller otherwise.', RATE_LIMITED],
  500: ['A recipe is broken (an unknown key, block or scheme, a field its block lacks, a secret that is not set, a template that cannot be read: named, never a value), another setting is invalid, or an unexpected failure.', brokenRecipe()],
  501: ['HOOKS_ASYNC=true without the SENDS queue or the REQUESTS Durable Object.', gatewayRefusal(501, 'Asynchronous sends need the SENDS and REQUESTS bindings').text],
  503: ["Twilio stayed busy (429) through the bounded retries: it did not process the send, and nothing is kept, so the sender's retry may send. The only 5xx of a send.", twilioError(429, 20429, 'Too Many Requests').text],
};

/** What `GET /api/Twilio/requests/{id}` answers besides the record. */
// biome-ignore format: one line per status, as the table reads
const RECORD_ERRORS: Readonly<Record<string, ErrorDoc>> = {
  401: ['The caller key is wrong (or missing, with REQUIRE_API_KEY=always).', keyRequired().text],
  404: ['No such record: an unknown or malformed id, one older than 24 h, or one made with another caller key.', badRequest(`No route for GET /api/Twilio/requests/${REQUEST_ID}`, 404).text],
  429: ["Over the rate limit of reads (a budget of their own: polling does not use up the caller's sends), with Retry-After.", RATE_LIMITED],
};

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
/** Headers of a status besides X-Request-Id (on every answer). */
const HEADERS: Readonly<Record<string, readonly string[]>> = {
  202: ['Location', 'Preference-Applied'],
  429: ['Retry-After'],
};
const headersOf = (status: string, more: readonly string[] = []) =>
  Object.fromEntries(['X-Request-Id', ...(HEADERS[status] ?? []), ...more].map((name) => [name, header(name)]));

const errorExample = (to: string) => ({ callback: 'error', contextWrites: { to } });

/** A documented string framed for another operation (`Unable to fetch record: …`), as the gateway frames it. */
const reframe = (text: string, unable: string | undefined) =>
  unable === undefined ? text : text.replace(/^(\[HTTP \d+\] Unable to) create record:/, `$1 ${unable}:`);

const errorResponses = (docs: Readonly<Record<string, ErrorDoc>>, unable?: string) =>
  Object.fromEntries(
    Object.entries(docs).map(([status, [description, example]]) => [
      status,
      {
        description,
        headers: headersOf(status),
        content: {
          'application/json': {
            schema: ref('ErrorEnvelope'),
            ...(typeof example === 'string'
              ? { example: errorExample(reframe(example, unable)) }
              : {
                  examples: Object.fromEntries(
                    Object.entries(example).map(([name, to]) => [name, { value: errorExample(reframe(to, unable)) }]),
                  ),
                }),
          },
        },
      },
    ]),
  );

/** The 202 of an asynchronous send: its record, pending, at Location. */
const acceptedResponse = (description: string, block: string): Schema => ({
  description,
  headers: headersOf('202'),
  content: { 'application/json': { schema: ref('RequestRecord'), example: accepted(block) } },
});

/** One route of the document. */
interface Route {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** Path, query and header parameters, besides the Idempotency-Key of a keyed POST (but a read block's). */
  readonly parameters?: readonly Schema[];
  /** The name of the request body schema in components (JSON). */
  readonly body?: string;
  readonly bodyExample?: unknown;
  /** A request body that is not a block's: its media types. */
  readonly bodyContent?: Readonly<Record<string, Schema>>;
  readonly success: {
    readonly description: string;
    readonly schema: Schema;
    readonly examples?: Readonly<Record<string, { readonly summary: string; readonly value: unknown }>>;
    /** Its headers besides X-Request-Id, when not a keyed POST's (Idempotent-Replayed). */
    readonly headers?: readonly string[];
  };
  /** Other success answers (202, 204), by status. */
  readonly answers?: Readonly<Record<string, Schema>>;
  /** Keys of ERRORS this route may answer. */
  readonly errors: readonly string[];
  /** Statuses this route answers with a meaning of its own (in place of ERRORS'). */
  readonly ownErrors?: Readonly<Record<string, ErrorDoc>>;
  /** True when a caller key is asked for (on a Worker with API_KEYS); 'optional' when the route answers without one too. */
  readonly keyed?: boolean | 'optional';
  /** How its failures are framed, when not `create record` (`fetch record`, `fetch page`…). */
  readonly unable?: string;
  /** False for a keyed POST that takes no Idempotency-Key (a read block). */
  readonly idempotent?: false;
}

/** The 404 of a block that names a record or lists them. */
// biome-ignore format: one line per status, as the table reads
const RECORD_404: Readonly<Record<string, ErrorDoc>> = {
  404: ["Twilio's 20404: no such Message or Call (an unknown or deleted SID), or the account SID is not AC + 32 hex digits or unknown to Twilio; or no such route.", twilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${ACCOUNT}/Messages/SM${'0123456789abcdef'.repeat(2)}.json was not found`).reframed('fetch record').text],
};

const SEND_ERRORS = ['400', '401', '403', '404', '409', '413', '415', '422', '429', '4XX', '500', '501', '502', '504'];
/** A read block's: no Idempotency-Key (409, 422) nor queue (501) is involved. */
const READ_ERRORS = SEND_ERRORS.filter((status) => !['409', '422', '501'].includes(status));

const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

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

const dryRunSchema: Schema = {
  type: 'object',
  description: "?dryRun=1's answer: what the recipe makes of the request. Nothing is sent.",
  properties: {
    dryRun: { const: true },
    recipe: { type: 'string' },
    block: { enum: blocks.map((block) => block.name) },
    matched: { type: 'boolean', description: 'Whether `when` held (else a delivery is answered 204).' },
    eventId: {
      type: ['string', 'null'],
      description:
        'The id the send is made once for (`sha256:<hex>` of the body for the github, shopify and twilio schemes, which sign the body alone); null: sent each time.',
    },
    async: { type: 'boolean', description: 'HOOKS_ASYNC=true: a delivery is answered 202 and sent through the queue.' },
    input: {
      type: 'object',
      description: 'The rendered fields, as a caller would send them (an accountToken shown as [redacted]).',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    },
    missing: { type: 'array', items: { type: 'string' }, description: 'The template paths that rendered empty.' },
    wouldSend: {
      description: 'The form that would be posted to Twilio; null when `when` did not hold or the input is refused.',
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          properties: {
            resource: { enum: ['Messages', 'Calls'] satisfies Resource[] },
            form: {
              type: 'object',
              additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
            },
          },
          required: ['resource', 'form'],
          additionalProperties: false,
        },
      ],
    },
    error: {
      description: 'The envelope a send would be refused with (the input, the destination guard); else null.',
      anyOf: [{ type: 'null' }, ref('ErrorEnvelope')],
    },
  },
  required: ['dryRun', 'recipe', 'block', 'matched', 'eventId', 'async', 'input', 'missing', 'wouldSend', 'error'],
  additionalProperties: false,
};

const formValues = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
};

/** The routes of the Worker. A new route is one entry here. */
/** What the status receiver answers of its own (routes/status.ts). */
// biome-ignore format: one line per status, as the table reads
const STATUS_ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ['A validly signed callback that names no message or call status (a recording callback, say).', gatewayRefusal(400, 'The callback names no message or call status').text],
  403: ["X-Twilio-Signature is missing or wrong, or the callback names another account than TWILIO_ACCOUNT_SID: nothing is recorded.", gatewayRefusal(403, 'The X-Twilio-Signature is missing or wrong').text],
  413: ['The body is over 64 KB.', '[HTTP 413] Refused by the gateway: The request body is over 64 KB'],
  429: ["Too many refused callbacks from this IP (the rate limit), with Retry-After.", RATE_LIMITED],
};

/** Twilio's status callbacks: POST, or GET for StatusCallbackMethod=GET (routes/status.ts; README "Status callbacks"). */
const statusRoutes = (['post', 'get'] as const).map(
  (method): Route => ({
    method,
    path: '/twilio/status',
    operationId: method === 'post' ? 'statusCallback' : 'statusCallbackGet',
    summary: method === 'post' ? "Twilio's status callbacks" : "Twilio's status callbacks (StatusCallbackMethod=GET)",
    description:
      "Where Twilio reports a message's or a call's status (TRACK_STATUS gives it to every send). Verified with X-Twilio-Signature under the auth token of the account it names, over the URL as received (or PUBLIC_URL with the path and query); recorded once (I-Twilio-Idempotency-Token) and in order for the reads; forwarded to the caller's statusCallback with Standard Webhooks headers. Twilio only looks at the 2xx.",
    tags: ['status'],
    parameters: [
      { name: 'X-Twilio-Signature', in: 'header', required: true, schema: { type: 'string' } },
      { name: 'I-Twilio-Idempotency-Token', in: 'header', required: false, schema: { type: 'string' } },
      {
        name: 'cid',
        in: 'query',
        required: false,
        description: "The send's correlation id (TRACK_STATUS).",
        schema: { type: 'string' },
      },
      {
        name: 'forward',
        in: 'query',
        required: false,
        description: "The caller's statusCallback, where updates are forwarded (TRACK_STATUS).",
        schema: { type: 'string', format: 'uri' },
      },
      ...(method === 'get'
        ? []
        : [
            {
              name: 'bodySHA256',
              in: 'query',
              required: false,
              description: 'A JSON body: its hex SHA-256.',
              schema: { type: 'string' },
            },
          ]),
    ],
    ...(method === 'post'
      ? {
          bodyContent: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                description:
                  "Twilio's fields: MessageSid and MessageStatus, or CallSid, CallStatus and SequenceNumber; AccountSid; ErrorCode; any other.",
                additionalProperties: { type: 'string' },
              },
            },
          },
        }
      : {}),
    success: {
      description:
        "Recorded (`recorded`: false for a retry, a status already in the history, or a late one the full timeline had no room for); the SID's current status.",
      schema: {
        type: 'object',
        required: ['sid', 'status', 'recorded'],
        properties: { sid: { type: 'string' }, status: { type: 'string' }, recorded: { type: 'boolean' } },
      },
      examples: {
        recorded: {
          summary: 'A delivery receipt',
          value: { sid: `SM${'0123456789abcdef'.repeat(2)}`, status: 'delivered', recorded: true },
        },
      },
    },
    errors: ['500'],
    ownErrors: STATUS_ERRORS,
  }),
);

const routes: readonly Route[] = [
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
        success: { description: answer.what, schema: successEnvelope(ref(answer.schema)), headers: [] },
        errors: READ_ERRORS,
        idempotent: false,
      };
    }
    return {
      ...common,
      description: `${answers} With Prefer: respond-async, 202 at once and the request through the queue.`,
      parameters: [param('Prefer')],
      success: { description: answer.what, schema: successEnvelope(ref(answer.schema)) },
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
          schema: kinds[field.kind].jsonSchema(field),
          example: field.example,
        })),
      success: { description: answer.what, schema: successEnvelope(ref(answer.schema)), headers: [] },
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
  ...statusRoutes,
];

/** The caller-key schemes, as alternatives: any one of them. */
const KEYED = [{ bearer: [] }, { apiKey: [] }, { basic: [] }];

/** A route's error statuses, in order: ERRORS' meanings, and its own. */
const errorDocs = (route: Route): Record<string, ErrorDoc> => {
  const docs: Record<string, ErrorDoc> = { ...route.ownErrors };
  for (const status of route.errors) docs[status] = ERRORS[status] ?? ['', ''];
  const order = (status: string) => Number(status.replace('XX', '99'));
  return Object.fromEntries(Object.entries(docs).sort(([a], [b]) => order(a) - order(b)));
};

function operation(route: Route): Schema {
  const idempotent = route.keyed === true && route.method === 'post' && route.idempotent !== false;
  const parameters = [...(idempotent ? [param('Idempotency-Key')] : []), ...(route.parameters ?? [])];
  const { success } = route;
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: route.tags,
    ...(route.keyed ? { security: route.keyed === true ? KEYED : [...KEYED, {}] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(route.body), example: route.bodyExample } },
          },
        }
      : {}),
    ...(route.bodyContent ? { requestBody: { required: true, content: route.bodyContent } } : {}),
    responses: {
      200: {
        description: success.description,
        headers: headersOf('200', success.headers ?? (idempotent ? ['Idempotent-Replayed'] : [])),
        content: {
          'application/json': { schema: success.schema, ...(success.examples ? { examples: success.examples } : {}) },
        },
      },
      ...route.answers,
      ...errorResponses(errorDocs(route), route.unable),
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
        "`Twilio` in the path is matched case-insensitively. Every answer carries an X-Request-Id header. A caller key is needed on a Worker with API_KEYS to spend its stored Twilio credentials; a request that brings its own accountSid and accountToken needs none (unless REQUIRE_API_KEY=always), nor does the local sandbox without API_KEYS. A webhook recipe verifies its sender's signature instead, or asks for a caller key. GET /api/Twilio and this document are public.",
    },
    tags: [
      { name: 'blocks', description: 'One POST per block: make a call, send an SMS, send an MMS.' },
      { name: 'hooks', description: 'Webhook recipes: a SaaS webhook in, one call or message out, exactly once.' },
      { name: 'async', description: 'The records of asynchronous sends (Prefer: respond-async, HOOKS_ASYNC=true).' },
      { name: 'status', description: "Twilio's status callbacks: verified, recorded in order, forwarded signed." },
      { name: 'meta', description: 'What the Worker offers.' },
    ],
    paths,
    components: {
      schemas: {
        ...Object.fromEntries(blocks.map((block) => [`${block.name}Request`, requestSchema(block)])),
        Message: resourceSchema('Messages'),
        Call: resourceSchema('Calls'),
        MessagePage: pageSchema('Messages'),
        CallPage: pageSchema('Calls'),
        Deleted: deletedSchema,
        ErrorEnvelope: errorEnvelope,
        Descriptor: descriptorSchema,
        RequestRecord: requestRecordSchema,
        DryRun: dryRunSchema,
      },
      parameters: {
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the send exactly-once per caller: repeats within 24 h get the same status and body, with Idempotent-Replayed: true. Blocks that change something only: a read (get…, list…) is idempotent by itself and takes none.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
        Prefer: {
          name: 'Prefer',
          in: 'header',
          required: false,
          description:
            "respond-async: answer 202 at once with the request's record (Location: where to read it) and send through the queue, which retries only a 429. Needs the SENDS queue and the REQUESTS Durable Object (else 501). Blocks that change something only: a read declines it and answers now (RFC 7240), without Preference-Applied.",
          schema: { type: 'string', examples: ['respond-async'] },
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
        Location: {
          description: "Where the request's record is read: GET /api/Twilio/requests/{id}.",
          schema: { type: 'string', pattern: '^/api/Twilio/requests/[0-9a-f-]{36}$' },
        },
        'Preference-Applied': {
          description: 'respond-async: the send goes through the queue.',
          schema: { const: 'respond-async' },
        },
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
