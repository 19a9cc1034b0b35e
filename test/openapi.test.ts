/**
 * GET /openapi.json: a valid OpenAPI 3.1 document, derived from the block tables, whose request schemas accept
 * every field's example and enforce the required groups, as the gateway does.
 */

import { env } from 'cloudflare:workers';
import { compileErrors, validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../src/app';
import { blocks } from '../src/blocks';
import { kinds } from '../src/blocks/kinds';
import { minimalInput, openApiDocument } from '../src/openapi';

type Doc = Record<string, any>;

// strictRequired is a lint that `anyOf: [{ required: [name] }]` (a required group) trips; the schema is standard.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
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

  it('is the document the block tables derive now (the built asset is not stale)', () => {
    const { servers: _, ...served } = doc;
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async () => {
    // The parser dereferences in place: it gets a copy.
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('has the descriptor, this document and one POST per block', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/api/Twilio', '/openapi.json', ...blocks.map((b) => `/api/Twilio/${b.name}`)].sort(),
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
      expect(Object.keys(responses).sort()).toEqual(
        ['200', '400', '401', '403', '404', '409', '413', '415', '422', '429', '4XX', '500', '502', '504'].sort(),
      );
      const resource = block.resource === 'Calls' ? 'Call' : 'Message';
      expect(responses['200'].content['application/json'].schema.properties.contextWrites.properties.to).toEqual({
        $ref: `#/components/schemas/${resource}`,
      });
      // Each resource's own example (Twilio's shape, decoded) passes its schema.
      const resourceSchema = doc.components.schemas[resource];
      expect(ajv.validate(resourceSchema, resourceSchema.examples[0]), JSON.stringify(ajv.errors)).toBe(true);
      for (const [status, response] of Object.entries<Doc>(responses)) {
        if (status === '200') continue;
        expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
        expect(response.content['application/json'].example.contextWrites.to).toEqual(expect.any(String));
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
    expect(errorOf({ ...refusal, error: { ...refusal.error, source: 'elsewhere' } })).toBe(false);
  });
});

describe('each request schema is derived from its block table', () => {
  for (const block of blocks) {
    it(`${block.name}: every field, with its kind's JSON Schema, description, example and widget`, () => {
      const schema = requestSchema(block.name);
      expect(Object.keys(schema.properties)).toEqual(Object.keys(block.fields));
      expect(schema.additionalProperties).toBe(false);
      for (const field of Object.values(block.fields)) {
        const kind = kinds[field.kind];
        const property = schema.properties[field.name];
        expect(property).toMatchObject(JSON.parse(JSON.stringify(kind.jsonSchema(field))));
        expect(property.description).toBe(field.description);
        expect(property.examples).toEqual([field.example]);
        expect(property['x-widget']).toBe(kind.widget);
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

  it('the smallest valid body of each block is accepted by the gateway itself', async () => {
    for (const block of blocks) {
      const res = await app.request(
        `/api/Twilio/${block.name}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(minimalInput(block)) },
        local,
      );
      const body = (await res.json()) as Doc;
      expect(body.callback, JSON.stringify(body)).toBe('success');
      const resource = doc.components.schemas[block.resource === 'Calls' ? 'Call' : 'Message'];
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
