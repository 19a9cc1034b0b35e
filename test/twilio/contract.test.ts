/**
 * Contract tests against Twilio's own OpenAPI extract (test/fixtures, see SOURCE.md there), with ajv:
 * every request the Twilio client builds validates against the operation's request schema, every sandbox
 * success body against the resource schema, and the block tables cover exactly the operation's parameters.
 * ajv compiles validators with `new Function`; the Workers Vitest pool allows code generation in tests (a
 * deployed Worker would not), so these run inside workerd like every other test.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Block } from '../../src/blocks';
import { makeCall } from '../../src/blocks/make-call';
import { sendMms, sendSms } from '../../src/blocks/messages';
import { app } from '../../src/http/app';
import { emulator, emulatorBindings } from '../../src/sandbox';
import specText from '../fixtures/twilio-api-v2010-calls-messages.openapi.json?raw';
import { ACCOUNT, envWith, minimalInput, TOKEN } from '../helpers';

interface Schema {
  type?: string;
  $ref?: string;
  enum?: string[];
  format?: string;
  pattern?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  parameters: { name: string; schema: Schema }[];
  requestBody: { content: { 'application/x-www-form-urlencoded': { schema: Schema } } };
  responses: { '201': { content: { 'application/json': { schema: Schema } } } };
}
interface Spec {
  paths: Record<string, { post: Operation }>;
  components: { schemas: Record<string, Schema> };
  'x-extract': { error_schema: Schema };
}

const spec = JSON.parse(specText) as Spec;
const RESOURCES = ['Messages', 'Calls'] as const;
type Resource = (typeof RESOURCES)[number];
const operation = (r: Resource) => spec.paths[`/2010-04-01/Accounts/{AccountSid}/${r}.json`]!.post;
const requestSchema = (r: Resource) => operation(r).requestBody.content['application/x-www-form-urlencoded'].schema;
const deref = (s: Schema): Schema => (s.$ref ? spec.components.schemas[s.$ref.split('/').pop()!]! : s);

const E164 = /^\+[1-9]\d{1,14}$/;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// Twilio's own formats, as its docs define them.
ajv.addFormat('phone-number', (v: string) => E164.test(v) || /^[a-z]+:\S+$/.test(v) || /^[A-Za-z0-9 ]{1,11}$/.test(v));
ajv.addFormat('endpoint', (v: string) => E164.test(v) || /^(client:\S+|sips?:\S+@\S+)$/.test(v));
ajv.addFormat('http-method', (v: string) => v === 'GET' || v === 'POST');
ajv.addFormat('twiml', (v: string) => /^\s*<(\?xml|Response)[\s>]/.test(v) && v.trim().endsWith('>'));
ajv.addFormat(
  'date-time-rfc-2822',
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/,
);
ajv.addFormat('currency', /^[A-Z]{3}$/);
ajv.addFormat('uri-map', () => true);

/** A schema of the extract, closed (no key outside the spec) and able to resolve the extract's `$ref`s. */
function closed(schema: Schema, required?: string[]): ValidateFunction {
  return ajv.compile({
    ...schema,
    ...(required ? { required } : {}),
    additionalProperties: false,
    components: spec.components,
  });
}
const validators = {
  request: { Messages: closed(requestSchema('Messages')), Calls: closed(requestSchema('Calls')) },
  response: {
    Messages: closed(
      spec.components.schemas['api.v2010.account.message']!,
      Object.keys(spec.components.schemas['api.v2010.account.message']!.properties!),
    ),
    Calls: closed(
      spec.components.schemas['api.v2010.account.call']!,
      Object.keys(spec.components.schemas['api.v2010.account.call']!.properties!),
    ),
  },
  accountSid: ajv.compile(operation('Messages').parameters.find((p) => p.name === 'AccountSid')!.schema),
  error: ajv.compile({ ...spec['x-extract'].error_schema, required: ['code', 'message', 'more_info', 'status'] }),
};

/** A form body back to the object the spec describes: repeated keys as arrays, booleans and numbers typed. */
function formToObject(resource: Resource, form: URLSearchParams): Record<string, unknown> {
  const properties = requestSchema(resource).properties!;
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key);
    const type = properties[key] ? deref(properties[key]).type : undefined;
    const typed = (v: string): unknown => {
      if (type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
      if (type === 'integer' && /^-?\d+$/.test(v)) return Number(v);
      if (type === 'number' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
      return v;
    };
    out[key] = type === 'array' || values.length > 1 ? values.map(typed) : typed(values[0]!);
  }
  return out;
}

const errorsOf = (v: ValidateFunction) => JSON.stringify(v.errors);

interface Exchange {
  resource: Resource;
  request: Request;
  body: string;
  status: number;
  response: unknown;
}

/** The emulator, serving the helpers' account. */
const emulated = emulatorBindings(
  { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN },
  { callbacks: false, waitUntil: () => {} },
);

/** Runs the Worker in live mode with `fetch` answered by the emulator, recording each Twilio exchange. */
function recordExchanges() {
  const exchanges: Exchange[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = new TextDecoder().decode(await request.clone().arrayBuffer());
    const answer = await emulator.fetch(request, emulated);
    const text = await answer.text();
    const resource: Resource = new URL(request.url).pathname.endsWith('/Calls.json') ? 'Calls' : 'Messages';
    exchanges.push({ resource, request, body, status: answer.status, response: JSON.parse(text) });
    return new Response(text, { status: answer.status, headers: answer.headers });
  });
  return exchanges;
}

const LIVE = { TWILIO_MODE: 'live', TWILIO_API_BASE_URL: 'http://127.0.0.1:9' };

async function send(block: string, body: unknown) {
  const res = await app.request(
    `/api/Twilio/${block}`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
    envWith(LIVE),
  );
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** Checks one exchange against the extract: path, headers, form body; and the body Twilio answered. */
function expectConforms(exchange: Exchange) {
  const url = new URL(exchange.request.url);
  const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(url.pathname);
  expect(match?.[2]).toBe(exchange.resource);
  expect(validators.accountSid(decodeURIComponent(match?.[1] ?? '')), 'AccountSid path parameter').toBe(true);
  expect(exchange.request.method).toBe('POST');
  expect(exchange.request.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
  expect(exchange.request.headers.get('Accept')).toBe('application/json');
  expect(exchange.request.headers.get('Authorization')).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
  const request = validators.request[exchange.resource];
  const object = formToObject(exchange.resource, new URLSearchParams(exchange.body));
  expect(request(object), `${exchange.resource} request ${exchange.body}: ${errorsOf(request)}`).toBe(true);
  if (exchange.status === 201) {
    const response = validators.response[exchange.resource];
    expect(response(exchange.response), `${exchange.resource} response: ${errorsOf(response)}`).toBe(true);
  } else {
    expect(validators.error(exchange.response), `error body: ${errorsOf(validators.error)}`).toBe(true);
  }
}

const hex = (c: string) => c.repeat(32);
const creds = { accountSid: ACCOUNT, accountToken: TOKEN };
const HOOK = 'https://hooks.example.com/status';

/** Every parameter of a block but the credentials and `except`, with its table example. */
const everyParameter = (block: Block, except: readonly string[] = []) =>
  Object.fromEntries(
    Object.values(block.fields)
      .filter((field) => field.kind !== 'credential' && !except.includes(field.name))
      .map((field) => [field.name, field.example]),
  );

/** Every parameter of CreateCall, with the table's example: each example must pass Twilio's own schema. */
const fullCall = everyParameter(makeCall);
/** Every parameter of CreateMessage but MessagingServiceSid (test credentials refuse it). */
const fullMessage = everyParameter(sendSms, ['messagingServiceSid']);

const REQUIRED = {
  makeCall: Object.keys(minimalInput(makeCall)),
  sendSms: Object.keys(minimalInput(sendSms)),
  sendMms: Object.keys(minimalInput(sendMms)),
};
const FULL = { makeCall: fullCall, sendSms: fullMessage, sendMms: fullMessage } as const;

/** Hand-picked shapes a caller may send: strings for booleans and numbers, single strings for lists. */
const VARIANTS: [keyof typeof FULL, Record<string, unknown>][] = [
  ['makeCall', { from: '+15005550006', to: '+14155550100', url: 'http://demo.twilio.com/docs/voice.xml' }],
  ['makeCall', { from: '+15005550006', to: 'client:alice', twiml: '<?xml version="1.0"?><Response/>' }],
  ['makeCall', { from: '+15005550006', to: 'sip:bob@example.com', applicationSid: `AP${hex('e')}` }],
  [
    'makeCall',
    { from: '+15005550006', to: '+14155550100', url: HOOK, method: 'get', statusCallbackEvent: 'initiated, completed' },
  ],
  [
    'makeCall',
    { from: '+15005550006', to: '+14155550100', url: HOOK, record: 'true', timeout: '45', asyncAmd: 'false' },
  ],
  ['makeCall', { from: '+15005550001', to: '+14155550100', url: HOOK }],
  ['makeCall', { from: '+15005550006', to: '+15005550003', url: HOOK }],
  ['sendSms', { from: '+15005550006', to: '+14155550100', body: 'hi' }],
  ['sendSms', { from: 'whatsapp:+15005550006', to: 'whatsapp:+14155550100', body: 'hi' }],
  ['sendSms', { from: '+15005550006', to: '+14155550100', contentSid: `HX${hex('f')}`, contentVariables: '{}' }],
  ['sendSms', { messagingServiceSid: `MG${hex('0')}`, to: '+14155550100', body: 'hi', provideFeedback: 'false' }],
  [
    'sendSms',
    { from: '+15005550006', to: '+14155550100', body: 'x'.repeat(1600), validityPeriod: '36000', maxPrice: '1.5' },
  ],
  ['sendSms', { from: '+15005550008', to: '+14155550100', body: 'hi' }],
  ['sendSms', { from: '+15005550006', to: '+15005550009', body: 'hi' }],
  ['sendMms', { from: '+15005550006', to: '+14155550100', mediaUrl: 'https://example.com/one.gif' }],
  [
    'sendMms',
    {
      from: '+15005550006',
      to: '+14155550100',
      mediaUrl: Array.from({ length: 10 }, (_, i) => `https://e.com/${i}.png`),
    },
  ],
  [
    'sendMms',
    { args: { from: '+15005550006', to: '+14155550100', mediaUrl: ['https://e.com/a.png'], body: 'wrapped' } },
  ],
  // Every list with several items, an offset date-time and a non-GSM body (the examples have one item each).
  [
    'makeCall',
    {
      from: '+15005550006',
      to: '+14155550100',
      url: HOOK,
      method: 'GET',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
    },
  ],
  [
    'sendSms',
    {
      from: '+15005550006',
      to: '+14155550100',
      body: 'Hello ✓ world',
      mediaUrl: ['https://example.com/a.png', 'https://example.com/b.jpg'],
      persistentAction: ['mailto:test@example.com', 'geo:37.787890,-122.391664|375 Beale St'],
      scheduleType: 'fixed',
      sendAt: '2030-01-01T10:00:00+02:00',
    },
  ],
];

beforeEach(() => {
  // The gateway's one log line per request; hundreds here would drown the test report.
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('the block tables cover exactly the operations of the extract', () => {
  const cases: [Block, Resource, number][] = [
    [sendSms, 'Messages', 25],
    [sendMms, 'Messages', 25],
    [makeCall, 'Calls', 36],
  ];
  it.each(cases)('%s.name ↔ %s: %i parameters, with matching types', (block, resource, count) => {
    const properties = requestSchema(resource).properties!;
    expect(Object.keys(properties)).toHaveLength(count);
    const keys = Object.values(block.fields).flatMap((f) => (f.key === undefined ? [] : [f.key]));
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(Object.keys(properties).sort());
    for (const field of Object.values(block.fields)) {
      if (field.key === undefined) continue;
      const prop = deref(properties[field.key]!);
      const where = `${block.name}.${field.key}`;
      // The caller name is Twilio's parameter in camelCase (README), so each name pairs with its own key.
      expect(field.name, where).toBe(field.key.charAt(0).toLowerCase() + field.key.slice(1));
      if (field.kind === 'list') expect(prop.type, where).toBe('array');
      if (prop.type === 'array') expect(field.kind, where).toBe('list');
      if (prop.type === 'boolean') expect(field.kind, where).toBe('boolean');
      if (prop.type === 'integer') expect(field.kind, where).toBe('integer');
      if (prop.type === 'number') expect(field.kind, where).toBe('number');
      if (field.kind === 'sid') expect(prop.pattern, where).toBe(`^${field.prefix}[0-9a-fA-F]{32}$`);
      if (prop.pattern) expect(field.kind, where).toBe('sid');
      if (prop.format === 'http-method') expect(field.kind, where).toBe('method');
      if (prop.enum) expect([...(field.options ?? [])].sort(), where).toEqual([...prop.enum].sort());
      if (prop.format === 'uri' && field.kind !== 'list') expect(field.kind, where).toBe('url');
    }
  });

  it('StatusCallbackEvent options are call_enum_event', () => {
    expect([...(makeCall.fields.statusCallbackEvent?.options ?? [])].sort()).toEqual(
      [...spec.components.schemas.call_enum_event!.enum!].sort(),
    );
  });
});

describe('every request the Twilio client builds validates against the extract', () => {
  it('the full inputs (every parameter) and the hand-picked variants', async () => {
    const exchanges = recordExchanges();
    const inputs: [string, Record<string, unknown>][] = [
      ['makeCall', fullCall],
      ['sendSms', fullMessage],
      ['sendMms', fullMessage],
      ['sendSms', { ...fullMessage, from: undefined, messagingServiceSid: `MG${hex('1')}` }],
      ...VARIANTS,
    ];
    for (const [block, input] of inputs) {
      const { status } = await send(
        block,
        'args' in input ? { args: { ...creds, ...(input.args as object) } } : { ...creds, ...input },
      );
      expect(status, `${block} ${JSON.stringify(input)}`).toBeLessThan(500);
    }
    expect(exchanges).toHaveLength(inputs.length);
    for (const exchange of exchanges) expectConforms(exchange);
    // The full inputs send every parameter of the operation.
    expect(new Set(new URLSearchParams(exchanges[0]!.body).keys()).size).toBe(36);
    expect(new Set(new URLSearchParams(exchanges[1]!.body).keys()).size).toBe(24);
    expect(exchanges.filter((e) => e.status === 201).length).toBeGreaterThanOrEqual(12);
    expect(exchanges.filter((e) => e.status !== 201).length).toBeGreaterThanOrEqual(5);
  });

  it.each(Object.keys(FULL) as (keyof typeof FULL)[])('%s: any subset of the optional parameters', async (block) => {
    const full = FULL[block] as Record<string, unknown>;
    const optional = Object.keys(full).filter((name) => !REQUIRED[block].includes(name));
    const exchanges = recordExchanges();
    await fc.assert(
      fc.asyncProperty(fc.subarray(optional), fc.boolean(), async (chosen, asStrings) => {
        exchanges.length = 0;
        const input: Record<string, unknown> = { ...creds };
        for (const name of [...REQUIRED[block], ...chosen]) {
          const value = full[name];
          input[name] = asStrings && (typeof value === 'number' || typeof value === 'boolean') ? String(value) : value;
        }
        const { status, json } = await send(block, input);
        expect(status, JSON.stringify(json)).toBeLessThan(500);
        expect(exchanges).toHaveLength(1);
        expectConforms(exchanges[0]!);
        // Twilio schedules only with a SendAt 5 min to 35 days ahead and a Messaging Service (35111, 35114, 35118).
        if (chosen.includes('scheduleType') && exchanges[0]!.status !== 201) {
          expect(String(json.error?.code)).toMatch(/^351(11|14|18)$/);
          return;
        }
        expect(exchanges[0]!.status).toBe(201);
        expect(status).toBe(200);
      }),
      { numRuns: 60 },
    );
  });
});

describe('every sandbox answer validates against the extract', () => {
  const direct = async (resource: Resource, form: Record<string, string>, user = ACCOUNT) => {
    const res = await emulator.request(
      `/2010-04-01/Accounts/${ACCOUNT}/${resource}.json`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${btoa(`${user}:${TOKEN}`)}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
      },
      emulated,
    );
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('success bodies: SMS, MMS, WhatsApp, long UCS-2, calls to phone, client and SIP', async () => {
    const answers = [
      await direct('Messages', { From: '+15005550006', To: '+14155550100', Body: 'hi' }),
      await direct('Messages', { From: '+15005550006', To: '+14155550100', MediaUrl: 'https://e.com/a.png' }),
      await direct('Messages', { From: 'whatsapp:+15005550006', To: 'whatsapp:+14155550100', Body: 'hi' }),
      await direct('Messages', { From: '+15005550006', To: '+14155550100', Body: 'ж'.repeat(500) }),
      await direct('Calls', { From: '+15005550006', To: '+14155550100', Url: HOOK }),
      await direct('Calls', { From: '+15005550006', To: 'client:alice', Twiml: '<Response/>' }),
      await direct('Calls', { From: '+15005550006', To: 'sip:bob@example.com', Url: HOOK }),
    ];
    answers.forEach(({ status, body }, i) => {
      expect(status).toBe(201);
      const resource = i < 4 ? 'Messages' : 'Calls';
      const validate = validators.response[resource];
      expect(validate(body), errorsOf(validate)).toBe(true);
    });
  });

  it('the validators are not vacuous: a wrong body fails', async () => {
    const { body } = await direct('Messages', { From: '+15005550006', To: '+14155550100', Body: 'hi' });
    const message = body as Record<string, unknown>;
    expect(validators.response.Messages({ ...message, status: 'sending-ish' })).toBe(false);
    expect(validators.response.Messages({ ...message, date_created: '2026-11-26T12:00:00Z' })).toBe(false);
    expect(validators.response.Messages({ ...message, extra: 1 })).toBe(false);
    const { sid: _, ...noSid } = message;
    expect(validators.response.Messages(noSid)).toBe(false);
    expect(validators.request.Calls({ To: '+14155550100', From: '+15005550006', Method: 'PUT' })).toBe(false);
    expect(validators.request.Calls({ To: '+14155550100', From: '+15005550006', Timeout: '30' })).toBe(false);
    expect(validators.request.Messages({ To: '+14155550100', MediaUrl: 'https://e.com/a.png' })).toBe(false);
    expect(validators.request.Messages({ To: '+14155550100', mediaUrl: ['https://e.com/a.png'] })).toBe(false);
  });

  it('error bodies have code, message, more_info and status', async () => {
    const refusals = [
      await direct('Messages', { From: '+15005550006', To: '+15005550002', Body: 'hi' }),
      await direct('Messages', { To: '+14155550100', Body: 'hi' }),
      await direct('Calls', { From: '+15005550006', To: '+15005550004', Url: HOOK }),
      await direct('Calls', { From: '+15005550006', To: '+14155550100', Url: HOOK }, 'nobody'),
    ];
    for (const { status, body } of refusals) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(validators.error(body), errorsOf(validators.error)).toBe(true);
      expect((body as { status: number }).status).toBe(status);
    }
  });
});
