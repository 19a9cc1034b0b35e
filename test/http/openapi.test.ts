/**
 * GET /openapi.json: a valid OpenAPI 3.1 document, derived from the block tables, whose request schemas accept
 * every field's example and enforce the required groups, as the gateway does.
 */

import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Block, blocks, readAliases } from '../../src/blocks';
import { fieldSchema } from '../../src/blocks/kinds';
import { sendSms } from '../../src/blocks/messages';
import { app } from '../../src/http/app';
import { minimalInput } from '../../src/http/openapi/examples';
import { HOOK_EXAMPLE } from '../../src/http/routes/hooks.example';
import worker from '../../src/index';
import { SCHEME_HEADERS, SCHEMES } from '../../src/recipes/verify';
import type { SendMessage } from '../../src/send/queue';
import { OPERATIONS } from '../../src/twilio/operations';
import { installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { CALLER_KEY, envWith, queueSpy } from '../helpers';
import { hookEnv, RECIPES, stripeSignature } from '../recipes/fixtures';

type Doc = Record<string, any>;

// strictRequired is a lint that `anyOf: [{ required: [name] }]` (a required group) trips; the schema is standard.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
/** For schemas that $ref others of the document: rooted in its components (strict mode would refuse that root). */
const loose = new Ajv2020({ strict: false, allErrors: true });
addFormats(loose);

/** The schema of what a block answers in contextWrites.to, by its action (src/http/openapi/schemas.ts: answerOf). */
function answerSchema(block: Block): string {
  if (block.resource === 'Inbound') return 'InboundPage';
  if (block.resource === 'OptOuts')
    return { list: 'OptOutPage', create: 'OptOut' }[block.action as string] ?? 'OptOutRemoved';
  const noun = block.resource === 'Calls' ? 'Call' : 'Message';
  if (block.action === 'list') return `${noun}Page`;
  return block.action === 'delete' ? 'Deleted' : noun;
}
addFormats(ajv);
// The playground's widget, an OpenAPI extension: not a validation keyword.
ajv.addKeyword({ keyword: 'x-widget', schemaType: 'string' });
ajv.addKeyword({ keyword: 'x-twilio-error', schemaType: 'object' });

/** The Worker as `npm start` runs it: sandbox mode, no API_KEYS (whatever the suite's env sets). */
const local = { ...env, TWILIO_MODE: 'sandbox', API_KEYS: '' } as Env;

let doc: Doc;
let res: Response;

beforeAll(async () => {
  res = await app.request('http://gateway.test/openapi.json', {}, local);
  if (res.status !== 200) throw new Error('public/openapi.json is not built: run npm run build:page (npm test does)');
  doc = (await res.clone().json()) as Doc;
});

const requestSchema = (block: string) => doc.components.schemas[`${block}Request`] as Doc;

/** A response's JSON examples by name: its `example` as `example`, or its named `examples`' values. */
function examplesOf(response: Doc): Record<string, Doc> {
  const json = response.content?.['application/json'];
  if (!json) return {};
  if ('example' in json) return { example: json.example };
  return Object.fromEntries(Object.entries<Doc>(json.examples ?? {}).map(([name, { value }]) => [name, value]));
}

describe('GET /openapi.json', () => {
  it('is JSON, served with this Worker as its server and its mode', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([
      { url: 'http://gateway.test', description: expect.stringContaining('sandbox'), 'x-twilio-mode': 'sandbox' },
    ]);
  });

  it("validates the app's real answers: the descriptor, each create's envelope, a page, a deletion", async () => {
    const answer = async (path: string, init: RequestInit = {}) => {
      const res = await app.request(path, init, local);
      return (await res.json()) as Doc;
    };
    const check = (name: string, value: unknown) => {
      const rooted = { $ref: `#/components/schemas/${name}`, components: doc.components };
      expect(loose.validate(rooted, value), `${name}: ${JSON.stringify(loose.errors)}`).toBe(true);
    };
    check('Descriptor', await answer('/api/Twilio'));
    const post = (block: Block, input: Doc) =>
      answer(`/api/Twilio/${block.name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
    for (const block of blocks.filter((b) => b.action === 'create')) {
      const body = await post(block, minimalInput(block));
      const schema = resolved.paths[`/api/Twilio/${block.name}`].post.responses['200'].content['application/json'];
      expect(loose.validate(schema.schema, body), JSON.stringify(loose.errors)).toBe(true);
    }
    // A page and a deletion, of what the sandbox now holds; and what the document refuses, it refuses.
    for (const block of blocks.filter((b) => b.action === 'list')) {
      // The gateway's own lists (listOptOuts, listInbound) name whose records: their minimal input.
      const body = await post(block, { ...minimalInput(block), pageSize: 2 });
      expect(body.callback, JSON.stringify(body)).toBe('success');
      check(answerSchema(block), body.contextWrites.to);
      expect(
        loose.validate({ $ref: `#/components/schemas/${answerSchema(block)}`, components: doc.components }, {}),
      ).toBe(false);
    }
    // A deletion, as Twilio's 204 comes back through the client (the fake Twilio answers it).
    installFakeTwilio();
    const deleteMessage = blocks.find((b) => b.action === 'delete' && b.resource === 'Messages') as Block;
    const deleted = (await (await postBlock(deleteMessage, {})).json()) as Doc;
    vi.restoreAllMocks();
    check('Deleted', deleted.contextWrites.to);
    check('ErrorEnvelope', await post(sendSms, {}));
    // The sandbox inbox's answer (local is a sandbox), and the example the document gives it.
    const inbox = resolved.paths['/api/Twilio/sandbox/inbound'].post;
    const example = inbox.requestBody.content['application/json'].example;
    expect(loose.validate(inbox.requestBody.content['application/json'].schema, example)).toBe(true);
    const replied = await answer('/api/Twilio/sandbox/inbound', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...example, body: 'Hello' }),
    });
    expect(replied.contextWrites.to.status, JSON.stringify(replied)).toBe(200);
    expect(loose.validate(inbox.responses['200'].content['application/json'].schema, replied)).toBe(true);
  });

  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async () => {
    // The parser dereferences in place: it gets a copy.
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('has the descriptor, this document, one POST per block, the GET aliases of the reads, the hooks and the records', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/Twilio',
        '/openapi.json',
        ...blocks.map((b) => `/api/Twilio/${b.name}`),
        ...readAliases.map(([path]) => `/api/Twilio${path.replace(':sid', '{sid}')}`),
        '/twilio/messages',
        '/twilio/voice',
        '/hooks/{name}',
        '/hooks',
        '/api/Twilio/requests/{id}',
        '/twilio/status',
        '/api/Twilio/sandbox/inbound',
      ].sort(),
    );
    expect(doc.paths['/api/Twilio'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Descriptor',
    });
    for (const block of blocks) {
      const op = doc.paths[`/api/Twilio/${block.name}`].post;
      expect(op.operationId).toBe(block.name);
      expect(op.requestBody.content['application/json'].schema).toEqual({
        $ref: `#/components/schemas/${block.name}Request`,
      });
    }
  });

  it('offers the three caller-key schemes as alternatives on every block operation', () => {
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
      basic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
    });
    for (const block of blocks) {
      expect(doc.paths[`/api/Twilio/${block.name}`].post.security).toEqual([
        { bearer: [] },
        { apiKey: [] },
        { basic: [] },
      ]);
    }
    expect(doc.paths['/api/Twilio'].get.security).toBeUndefined();
  });

  it("documents the success envelope and the README's error statuses with the error envelope", () => {
    const envelope = doc.components.schemas.ErrorEnvelope;
    expect(envelope.properties.error.required).toEqual(['status', 'code', 'moreInfo', 'retryable', 'source']);
    expect(envelope.properties.error.properties.source.enum).toEqual(['twilio', 'gateway']);
    const errorOf = ajv.compile(envelope);
    for (const block of blocks) {
      const responses = doc.paths[`/api/Twilio/${block.name}`].post.responses;
      // A read takes no Idempotency-Key nor Prefer: respond-async, so has no 202, 409, 422 or 501.
      const queued = OPERATIONS[block.action].changes ? ['202', '409', '422', '501'] : [];
      expect(Object.keys(responses).sort()).toEqual(
        ['200', '400', '401', '403', '404', '413', '415', '429', '4XX', '500', '502', '504', ...queued].sort(),
      );
      const resource = answerSchema(block);
      expect(responses['200'].content['application/json'].schema.properties.contextWrites.properties.to).toEqual({
        $ref: `#/components/schemas/${resource}`,
      });
      // Each answer's own example (Twilio's shape, decoded) passes its schema.
      const example = doc.components.schemas[resource].examples[0];
      const rooted = { $ref: `#/components/schemas/${resource}`, components: doc.components };
      expect(loose.validate(rooted, example), JSON.stringify(loose.errors)).toBe(true);
      for (const [status, response] of Object.entries<Doc>(responses)) {
        if (status.startsWith('2')) continue;
        expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
        for (const example of Object.values(examplesOf(response))) {
          expect(example.contextWrites.to).toEqual(expect.any(String));
        }
      }
    }
    const refusal = {
      callback: 'error',
      contextWrites: { to: "[HTTP 400] Unable to create record: A 'From' phone number is required." },
      error: {
        status: 400,
        code: 21603,
        moreInfo: 'https://www.twilio.com/docs/errors/21603',
        retryable: false,
        source: 'twilio',
      },
    };
    expect(errorOf(refusal), JSON.stringify(errorOf.errors)).toBe(true);
    const hinted = { ...refusal, error: { ...refusal.error, hint: 'Add "from": "+15005550006".' } };
    expect(errorOf(hinted), JSON.stringify(errorOf.errors)).toBe(true);
    expect(errorOf({ ...refusal, error: { ...refusal.error, hint: 7 } })).toBe(false);
    expect(errorOf({ ...refusal, error: { ...refusal.error, source: 'elsewhere' } })).toBe(false);
  });
});

/** Values that each field's schema may accept or refuse: limits, wrong types, near misses. */
const PROBES: unknown[] = [
  '',
  'x',
  'x'.repeat(300),
  'x'.repeat(5000),
  0,
  -1,
  1,
  3,
  600,
  601,
  1.5,
  1e9,
  true,
  false,
  [],
  ['x'],
  ['https://example.com/a.png'],
  Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.png`),
  'https://example.com/',
  'HTTPS://example.com/',
  'http://',
  'ftp://example.com/',
  '2026-12-01',
  '2026-02-30',
  '2026-12-01T09:00:00Z',
  '2026-12-01T09:00:00+01:00',
  '2026-12-01T09:00',
  `AP${'0123456789abcdef'.repeat(2)}`,
  `SM${'0123456789abcdef'.repeat(2)}`,
  `CA${'0123456789abcdef'.repeat(2)}`,
  'GET',
  'get',
  '+14155550100',
  '1234',
];

describe('each request schema is derived from its block table', () => {
  for (const block of blocks) {
    it(`${block.name}: every field, with its description, example and widget; what its schema accepts, the gateway accepts`, () => {
      const schema = requestSchema(block.name);
      expect(Object.keys(schema.properties)).toEqual(Object.keys(block.fields));
      expect(schema.additionalProperties).toBe(false);
      for (const field of Object.values(block.fields)) {
        const property = schema.properties[field.name];
        expect(property.description).toBe(field.description);
        expect(property.examples).toEqual([field.example]);
        expect(property['x-widget']).toBeTypeOf('string');
        // The document never promises what the gateway refuses: every probe its schema accepts, validation takes.
        const accepts = ajv.compile(property);
        const gateway = fieldSchema(field);
        const probes = [field.example, ...PROBES, ...(field.options ?? []), field.min, field.max];
        for (const probe of probes) {
          if (probe === undefined || !accepts(probe)) continue;
          expect(gateway.safeParse(probe).success, `${field.name}: ${JSON.stringify(probe)}`).toBe(true);
        }
        // And it is not an empty promise: some probe of the wrong type is refused by both.
        expect(accepts({ not: 'a value' })).toBe(false);
      }
    });

    it(`${block.name}: each field's example validates against the document's schema for it`, () => {
      const schema = requestSchema(block.name);
      for (const field of Object.values(block.fields)) {
        const validate = ajv.compile(schema.properties[field.name]);
        expect(validate(field.example), `${field.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
        // Together with the smallest valid body, too.
        const body = { ...minimalInput(block), [field.name]: field.example };
        expect(ajv.validate(schema, body), `${field.name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      }
    });

    it(`${block.name}: the request example is the smallest valid body, and every required group is enforced`, () => {
      const schema = requestSchema(block.name);
      const example = doc.paths[`/api/Twilio/${block.name}`].post.requestBody.content['application/json'].example;
      expect(example).toEqual(minimalInput(block));
      const check = ajv.compile(schema);
      expect(check(example), JSON.stringify(check.errors)).toBe(true);
      expect(check({ ...example, notAField: 'x' })).toBe(false);
      for (const group of block.requires) {
        const without = Object.fromEntries(Object.entries(example).filter(([name]) => !group.anyOf.includes(name)));
        expect(check(without), `without ${group.anyOf.join('/')}`).toBe(false);
        // Any one member of the group satisfies it.
        for (const name of group.anyOf) {
          const field = block.fields[name];
          if (!field) throw new Error(`${block.name}: group names unknown field ${name}`);
          expect(check({ ...without, [name]: field.example }), `with ${name} alone`).toBe(true);
        }
      }
    });
  }

  it('makeCall: "one of url, twiml, applicationSid" is an anyOf of required, with Twilio\'s code', () => {
    expect(requestSchema('makeCall').allOf).toEqual([
      expect.objectContaining({
        anyOf: [{ required: ['url'] }, { required: ['twiml'] }, { required: ['applicationSid'] }],
        'x-twilio-error': expect.objectContaining({ code: 21205 }),
      }),
    ]);
    expect(requestSchema('makeCall').required).toEqual(['to', 'from']);
  });

  it('the smallest valid body of each block that creates is accepted by the gateway itself', async () => {
    // The others name a record the sandbox does not have (test/blocks/lifecycle.test.ts reads and changes real ones).
    for (const block of blocks.filter((b) => b.action === 'create')) {
      const res = await app.request(
        `/api/Twilio/${block.name}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(minimalInput(block)) },
        local,
      );
      const body = (await res.json()) as Doc;
      expect(body.callback, JSON.stringify(body)).toBe('success');
      const resource = doc.components.schemas[answerSchema(block)];
      expect(ajv.validate(resource, body.contextWrites.to), JSON.stringify(ajv.errors)).toBe(true);
    }
  });
});

describe("the document's error examples are the gateway's real answers", () => {
  const example = (status: string) =>
    doc.paths['/api/Twilio/sendSms'].post.responses[status].content['application/json'].example.contextWrites.to;
  const post = async (init: RequestInit, over: Partial<Record<string, string>> = {}) => {
    const res = await app.request('/api/Twilio/sendSms', { method: 'POST', ...init }, { ...local, ...over } as Env);
    const body = (await res.json()) as Doc;
    return { status: res.status, to: body.contextWrites.to as string };
  };
  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const { from: _from, ...withoutFrom } = { to: '+14155550100', from: '', body: 'hi' };

  it.each([
    ['400', () => post(json(withoutFrom))],
    [
      '401',
      () =>
        post(json({ ...withoutFrom, from: '+15005550006' }, { authorization: 'Bearer wrong' }), {
          API_KEYS: 'the-right-key-0123456789',
        }),
    ],
    [
      '404',
      () =>
        post(json({ ...withoutFrom, from: '+15005550006', accountSid: 'AC5f37acb25ffaeb498a78', accountToken: 't' })),
    ],
    ['413', () => post(json({ ...withoutFrom, from: '+15005550006', body: 'x'.repeat(70_000) }))],
    ['415', () => post({ headers: { 'content-type': 'text/plain' }, body: 'hi' })],
    ['4XX', () => post(json({ ...withoutFrom, from: '+15005550001' }))],
  ])('%s', async (status, answer) => {
    const got = await answer();
    expect(got.to).toBe(example(status));
    expect(String(got.status)).toMatch(new RegExp(`^${status.replace('XX', '\\d\\d')}$`));
  });
});

describe('every route the app serves is documented, and nothing else', () => {
  /** A Hono route path as the document writes it: `Twilio` for its case-insensitive pattern, `{name}` params. */
  const documented = (path: string) => path.replace(/:service\{[^}]*\}/, 'Twilio').replace(/:(\w+)/g, '{$1}');

  it("the app's routes (Hono's app.routes, its middleware aside) are the document's operations", () => {
    const served = new Set(
      app.routes.filter((route) => !route.path.endsWith('*')).map((r) => `${r.method} ${documented(r.path)}`),
    );
    const operations = Object.entries<Doc>(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...served].sort()).toEqual(operations.sort());
    expect(served.size).toBeGreaterThanOrEqual(7);
  });
});

/** The document with its $refs resolved, for validating answers against its schemas. */
let resolved: Doc;
beforeAll(async () => {
  resolved = (await dereference(structuredClone(doc) as never)) as Doc;
});

/** A rate limiter every caller is over. */
const overLimit = { limit: async () => ({ success: false }) } as unknown as RateLimit;

/** A block's smallest valid body, POSTed through the app with the suite's caller key. */
const postBlock = (block: Block, headers: Record<string, string>, bindings: Record<string, unknown> = {}) =>
  app.request(
    `/api/Twilio/${block.name}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY, ...headers },
      body: JSON.stringify(minimalInput(block)),
    },
    { ...envWith(), ...bindings } as Env,
  );

/** The example recipe (with the fixtures' others, and their secrets) in the Worker's env. */
const recipesEnv = (overrides: Record<string, unknown> = {}) =>
  ({
    ...hookEnv({ RECIPES: JSON.stringify({ ...RECIPES, [HOOK_EXAMPLE.name]: HOOK_EXAMPLE.recipe }) }),
    ...overrides,
  }) as Env;

/** A POST to a hook through the app, Stripe's signature over `body` (unless `headers` brings its own). */
async function postHook(
  body: string,
  { path = `/hooks/${HOOK_EXAMPLE.name}`, headers = {}, bindings = {} as Record<string, unknown> } = {},
) {
  return app.request(
    `https://gateway.test${path}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': await stripeSignature(body), ...headers },
      body,
    },
    recipesEnv(bindings),
  );
}
/** The example event, with changes (and its own event id, so that no store of another test answers). */
const event = (changes: Record<string, unknown> = {}) =>
  JSON.stringify({ ...HOOK_EXAMPLE.payload, id: `evt_${crypto.randomUUID().replaceAll('-', '')}`, ...changes });
const { object: invoice } = HOOK_EXAMPLE.payload.data;

/** Feeds a request's queue messages to the Worker's consumer, once. */
async function consume(messages: SendMessage[]) {
  const batch = createMessageBatch<SendMessage>(
    'twilio-gateway-sends',
    messages.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
  );
  await worker.queue(batch, { ...env, SENDS_DLQ: queueSpy().queue } as Env);
  await getQueueResult(batch, createExecutionContext());
}

/** An async SMS accepted (202), its message consumed while Twilio answers `twilio`, then its record read. */
async function recordAfter(twilio: Parameters<typeof installFakeTwilio>[0]) {
  installFakeTwilio(twilio);
  const { sent, queue } = queueSpy();
  const accepted = await postBlock(sendSms, { Prefer: 'respond-async' }, { SENDS: queue });
  const { id } = (await accepted.json()) as { id: string };
  await consume(sent);
  return app.request(`/api/Twilio/requests/${id}`, { headers: { 'X-API-Key': CALLER_KEY } }, envWith());
}

/** Twilio's message in a documented string `[HTTP n] Unable to create record: <message>`. */
const twilioMessage = (text: string) => text.replace(/^\[HTTP \d+\] Unable to create record: /, '');
const errorExample = (path: string, status: string, name = 'example') =>
  examplesOf(doc.paths[path][path.startsWith('/hooks') ? 'post' : 'get'].responses[status])[name]?.contextWrites
    .to as string;

/** One documented answer, and how to make the gateway give it. */
interface Case {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly status: string;
  /** The example's name (`example` for a response's only one); `-` for an answer without a body. */
  readonly example: string;
  readonly answer: () => Response | Promise<Response>;
  /** The documented string as this request gets it, when the request changes it (a shorter timeout). */
  readonly adjust?: (to: string) => string;
}

const HOOK = '/hooks/{name}';
const RECORD = '/api/Twilio/requests/{id}';
const cases: Case[] = [
  // The asynchronous sends and missing bindings of the blocks that change something (a read has neither).
  ...blocks
    .filter((block) => OPERATIONS[block.action].changes)
    .flatMap((block): Case[] => {
      const path = `/api/Twilio/${block.name}`;
      return [
        {
          method: 'post',
          path,
          status: '202',
          example: 'example',
          answer: () => postBlock(block, { Prefer: 'respond-async' }, { SENDS: queueSpy().queue }),
        },
        {
          method: 'post',
          path,
          status: '501',
          example: 'idempotency',
          answer: () => postBlock(block, { 'Idempotency-Key': crypto.randomUUID() }, { IDEMPOTENCY: undefined }),
        },
        {
          method: 'post',
          path,
          status: '501',
          example: 'async',
          answer: () => postBlock(block, { Prefer: 'respond-async' }, { SENDS: undefined }),
        },
      ];
    }),
  // The hook, with the example recipe and the example event.
  {
    method: 'post',
    path: HOOK,
    status: '200',
    example: 'sent',
    answer: () => {
      installFakeTwilio();
      return postHook(event());
    },
  },
  {
    method: 'post',
    path: HOOK,
    status: '200',
    example: 'dryRun',
    answer: () => postHook(JSON.stringify(HOOK_EXAMPLE.payload), { path: `/hooks/${HOOK_EXAMPLE.name}?dryRun=1` }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '202',
    example: 'example',
    answer: () => postHook(event(), { bindings: { HOOKS_ASYNC: 'true', SENDS: queueSpy().queue } }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '204',
    example: '-',
    answer: () => postHook(event({ type: 'invoice.paid' })),
  },
  { method: 'post', path: HOOK, status: '400', example: 'notJson', answer: () => postHook('not json') },
  {
    method: 'post',
    path: HOOK,
    status: '400',
    example: 'rendered',
    answer: () => postHook(event({ data: { object: { ...invoice, customer_phone: null } } })),
  },
  {
    method: 'post',
    path: HOOK,
    status: '401',
    example: 'signature',
    answer: async () => postHook(event(), { headers: { 'Stripe-Signature': await stripeSignature('{}') } }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '401',
    example: 'key',
    answer: () => postHook(JSON.stringify({ order: { id: 'ord_1', phone: '+14155550100' } }), { path: '/hooks/keyed' }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '403',
    example: 'example',
    answer: () =>
      postHook(event(), {
        bindings: { HOOKS_ASYNC: 'true', SENDS: queueSpy().queue, ALLOWED_DESTINATIONS: '+44' },
      }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '404',
    example: 'example',
    // The path the example names.
    answer: () => postHook(event(), { path: /POST (\S+)$/.exec(errorExample(HOOK, '404'))?.[1] ?? '' }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '413',
    example: 'example',
    answer: () => postHook(event({ pad: 'x'.repeat(64 * 1024) })),
  },
  {
    method: 'post',
    path: HOOK,
    status: '429',
    example: 'example',
    answer: () => postHook(event(), { bindings: { RATE_LIMITER: overLimit } }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '500',
    example: 'example',
    answer: () =>
      postHook(event(), {
        bindings: {
          RECIPES: JSON.stringify({ [HOOK_EXAMPLE.name]: HOOK_EXAMPLE.recipe }),
          [HOOK_EXAMPLE.recipe.verify.secret]: undefined,
        },
      }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '501',
    example: 'example',
    answer: () => postHook(event(), { bindings: { HOOKS_ASYNC: 'true', SENDS: undefined } }),
  },
  {
    method: 'post',
    path: HOOK,
    status: '200',
    example: 'failed',
    answer: () => {
      installFakeTwilio(() =>
        twilioErrorResponse(
          400,
          21211,
          twilioMessage(examplesOf(doc.paths[HOOK].post.responses['200']).failed?.contextWrites.to as string),
        ),
      );
      return postHook(event());
    },
  },
  {
    method: 'post',
    path: HOOK,
    status: '503',
    example: 'example',
    answer: () => {
      installFakeTwilio(() => twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }));
      return postHook(event());
    },
  },
  // The records, as the consumer leaves them.
  {
    method: 'get',
    path: RECORD,
    status: '200',
    example: 'pending',
    answer: () => recordAfter(() => twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' })),
  },
  { method: 'get', path: RECORD, status: '200', example: 'done', answer: () => recordAfter(undefined) },
  {
    method: 'get',
    path: RECORD,
    status: '200',
    example: 'failed',
    answer: () =>
      recordAfter(() =>
        twilioErrorResponse(
          400,
          21211,
          twilioMessage(examplesOf(doc.paths[RECORD].get.responses['200']).failed?.lastError as string),
        ),
      ),
  },
  {
    method: 'get',
    path: RECORD,
    status: '401',
    example: 'example',
    answer: async () =>
      app.request(
        `/api/Twilio/requests/${crypto.randomUUID()}`,
        { headers: { 'X-API-Key': 'a-wrong-key-0123' } },
        envWith(),
      ),
  },
  {
    method: 'get',
    path: RECORD,
    status: '404',
    example: 'example',
    // The path the example names: an id no request has.
    answer: async () =>
      app.request(
        /GET (\S+)$/.exec(errorExample(RECORD, '404'))?.[1] ?? '',
        { headers: { 'X-API-Key': CALLER_KEY } },
        envWith(),
      ),
  },
  {
    method: 'get',
    path: RECORD,
    status: '429',
    example: 'example',
    answer: async () =>
      app.request(`/api/Twilio/requests/${crypto.randomUUID()}`, {}, { ...envWith(), RATE_LIMITER: overLimit } as Env),
  },
  {
    method: 'get',
    path: RECORD,
    status: '500',
    example: 'example',
    answer: async () =>
      app.request(`/api/Twilio/requests/${crypto.randomUUID()}`, {}, envWith({ TWILIO_TIMEOUT_MS: 'soon' })),
  },
];

/** What differs on every request (ids, times, the resource's SID and account): taken from the example. */
const VOLATILE = new Set([
  'id',
  'created',
  'updated',
  'sid',
  'accountSid',
  'dateCreated',
  'dateUpdated',
  'uri',
  'subresourceUris',
]);
function settle(actual: unknown, example: unknown): unknown {
  if (typeof actual !== 'object' || actual === null || typeof example !== 'object' || example === null) return actual;
  const model = example as Doc;
  if (Array.isArray(actual)) return actual.map((item, i) => settle(item, model[i]));
  return Object.fromEntries(
    Object.entries(actual).map(([key, value]) => [
      key,
      VOLATILE.has(key) && key in model ? model[key] : settle(value, model[key]),
    ]),
  );
}

describe("the new routes' documented answers are the gateway's real answers", () => {
  afterEach(() => vi.restoreAllMocks());

  const key = (c: Pick<Case, 'method' | 'path' | 'status' | 'example'>) =>
    `${c.method.toUpperCase()} ${c.path} ${c.status} ${c.example}`;

  it("the cases cover every answer of the hook and the records, and the blocks' 202 and 501", () => {
    const documented = Object.entries<Doc>(doc.paths).flatMap(([path, item]) =>
      Object.entries<Doc>(item).flatMap(([method, op]) =>
        Object.entries<Doc>(op.responses)
          .filter(([status]) => path === HOOK || path === RECORD || status === '202' || status === '501')
          .flatMap(([status, response]) => {
            const names = Object.keys(examplesOf(response));
            return (names.length ? names : ['-']).map((example) =>
              key({ method: method as Case['method'], path, status, example }),
            );
          }),
      ),
    );
    expect(cases.map(key).sort()).toEqual(documented.sort());
  });

  it.each(cases.map((c) => [key(c), c] as const))(
    '%s',
    async (_, { method, path, status, example, answer, adjust }) => {
      const response = doc.paths[path][method].responses[status];
      const res = await answer();
      const text = await res.text();
      expect(String(res.status), text).toBe(status);
      // Every header the document promises (Idempotent-Replayed only on a replay).
      for (const name of Object.keys(response.headers ?? {})) {
        if (name !== 'Idempotent-Replayed') expect(res.headers.get(name), name).not.toBeNull();
      }
      if (!response.content) {
        expect(text).toBe('');
        return;
      }
      const body = JSON.parse(text) as Doc;
      const schema = resolved.paths[path][method].responses[status].content['application/json'].schema;
      expect(ajv.validate(schema, body), JSON.stringify(ajv.errors)).toBe(true);
      const documentedExample = examplesOf(response)[example] as Doc;
      if (body.callback === 'error' && !('result' in body)) {
        const { error: _error, ...shown } = body;
        const to = documentedExample.contextWrites.to as string;
        expect(shown).toEqual({ ...documentedExample, contextWrites: { to: adjust ? adjust(to) : to } });
      } else {
        expect(settle(body, documentedExample)).toEqual(documentedExample);
      }
    },
  );

  it('a read block documents neither Idempotency-Key nor Prefer, nor 202, 409, 422 or 501; a block that changes something does', () => {
    const shape = (name: string) => {
      const op = doc.paths[`/api/Twilio/${name}`].post;
      const params = (op.parameters ?? []).map((p: Doc) => p.$ref.split('/').pop());
      return { params, statuses: ['202', '409', '422', '501'].filter((status) => status in op.responses) };
    };
    for (const block of blocks) {
      const changes = OPERATIONS[block.action].changes;
      expect(shape(block.name), block.name).toEqual(
        changes
          ? { params: ['Idempotency-Key', 'Prefer'], statuses: ['202', '409', '422', '501'] }
          : { params: [], statuses: [] },
      );
    }
  });

  it("a 202's Location is where its record is read, as the document writes it", async () => {
    const res = await postBlock(sendSms, { Prefer: 'respond-async' }, { SENDS: queueSpy().queue });
    const { id } = (await res.json()) as { id: string };
    const location = res.headers.get('Location') ?? '';
    expect(location).toBe(`/api/Twilio/requests/${id}`);
    expect(location).toMatch(new RegExp(doc.components.headers.Location.schema.pattern));
    expect(res.headers.get('Preference-Applied')).toBe(doc.components.headers['Preference-Applied'].schema.const);
    const record = await app.request(location, { headers: { 'X-API-Key': CALLER_KEY } }, envWith());
    expect(record.status).toBe(200);
  });

  it("a hook's replay is the same answer with Idempotent-Replayed: true", async () => {
    installFakeTwilio();
    const body = event();
    const first = await postHook(body);
    const again = await postHook(body);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
    expect(doc.paths[HOOK].post.responses['200'].headers).toHaveProperty('Idempotent-Replayed');
  });

  it("the example recipe is README's (the fixtures'), and its example event a Stripe event it matches", () => {
    expect(HOOK_EXAMPLE.recipe).toEqual(RECIPES[HOOK_EXAMPLE.name]);
    const hook = doc.paths[HOOK].post;
    expect(hook.requestBody.content['*/*'].example).toEqual(HOOK_EXAMPLE.payload);
    expect(hook.parameters.find((p: Doc) => p.in === 'path')).toMatchObject({ name: 'name', required: true });
  });

  it('the signature headers are the schemes’ (recipes/verify.ts), with the event ids', () => {
    const headers = doc.paths[HOOK].post.parameters.filter((p: Doc) => p.in === 'header').map((p: Doc) => p.name);
    for (const scheme of SCHEMES) {
      for (const name of SCHEME_HEADERS[scheme]) if (name) expect(headers).toContain(name);
    }
    expect(doc.paths[HOOK].post.security).toEqual([{ bearer: [] }, { apiKey: [] }, { basic: [] }, {}]);
    expect(doc.paths[RECORD].get.security).toEqual([{ bearer: [] }, { apiKey: [] }, { basic: [] }, {}]);
    for (const block of blocks.filter((b) => OPERATIONS[b.action].changes)) {
      expect(doc.paths[`/api/Twilio/${block.name}`].post.parameters).toContainEqual({
        $ref: '#/components/parameters/Prefer',
      });
    }
  });
});
