/**
 * Fuzzing (issue #4): fast-check properties over every route, with Twilio faked to succeed. Whatever comes
 * in, the Worker answers the documented envelope: 200 and one POST to Twilio for a valid input, a 4xx error
 * envelope and no POST for anything else, never a 5xx, never a secret in the answer or the log line.
 *
 * Deterministic: every property runs from SEED. On failure fast-check prints the seed, the replay `path`
 * and the shrunk counterexample; pass `{ seed, path }` to that property's fc.assert to replay it.
 */
import { env, exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Block, blocks, isOwnRecord } from '../../src/blocks';
import { app } from '../../src/http/app';
import { MAX_BODY_BYTES } from '../../src/limits/body';
import { OPERATIONS } from '../../src/twilio/operations';
import { installFakeTwilio, type Seen } from '../fake-twilio';
import { CALLER_KEY, captureLogs, ENV_ACCOUNT, ENV_TOKEN, envWith } from '../helpers';
import {
  contentType,
  deep,
  FIELD_NAMES,
  FORM_TYPES,
  formPairs,
  hugeString,
  JSON_TYPES,
  type Mutation,
  rawBody,
  refusedInput,
  requestToken,
  TRICKY_KEYS,
  toJson,
  trickyObject,
  validInput,
  wrapped,
} from './fuzz-arbitraries';

const SEED = 20_261_126;
/**
 * `npm test` runs a quarter of each property's runs, so the suite stays quick; `npm run fuzz` (FUZZ_SCALE=1)
 * runs them all. The seed is fixed either way, so the quarter is the first quarter of the full run.
 */
const SCALE = Number((env as Env & { FUZZ_SCALE?: string }).FUZZ_SCALE ?? 0.25);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(50, Math.round(numRuns * SCALE)) });
/** A generous per-test limit: the whole file takes well under a minute on 2 shared cores. */
const LIMIT = 120_000;

const ENV = envWith();
const BLOCK_NAMES = blocks.map((b) => b.name);

let seen: Seen[];
let logs: string[];
beforeEach(() => {
  logs = captureLogs();
  seen = installFakeTwilio().seen;
});
afterEach(() => vi.restoreAllMocks());

interface Exchange {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams | FormData;
  /** Through `app.request` with the test env, or the Worker entry `exports.default.fetch`. */
  via: 'app' | 'worker';
  /** The env for `app.request` (default: the test env). */
  env?: Env;
}

interface Answer {
  status: number;
  text: string;
  json: any;
  posts: Seen[];
  allow: string | null;
}

/** How many bytes a request body takes on the wire (a FormData as its multipart encoding). */
const bodyBytes = async (body: BodyInit | null | undefined) =>
  body == null ? 0 : (await new Response(body).arrayBuffer()).byteLength;

/**
 * Sends one request and checks what must hold for every request: no 5xx; JSON; the success envelope with
 * exactly one POST, or the error envelope (4xx, non-empty `to`) with none, or the descriptor; one log line;
 * no secret in the answer or the log.
 */
async function exchange(req: Exchange, secrets: readonly string[]): Promise<Answer> {
  const before = seen.length;
  logs.length = 0;
  const method = req.method ?? 'POST';
  // Every request presents the suite's caller key, so that what is fuzzed is the input, not the key check.
  const init: RequestInit = { method, headers: { 'X-API-Key': CALLER_KEY, ...req.headers } };
  if (req.body !== undefined) init.body = req.body;
  const res =
    req.via === 'app'
      ? await app.request(req.path, init, req.env ?? ENV)
      : await exports.default.fetch(new Request(`https://gateway.test${req.path}`, init));
  const text = await res.text();
  const posts = seen.slice(before);

  expect(res.status, text).toBeLessThan(500);
  for (const secret of [ENV_TOKEN, ...secrets]) {
    expect(text.includes(secret), `secret in answer: ${text.slice(0, 300)}`).toBe(false);
    for (const line of logs) expect(line.includes(secret), `secret in log: ${line.slice(0, 300)}`).toBe(false);
  }
  const lines = logs.filter((line) => line.startsWith('{"route"'));
  expect(lines, logs.join('\n').slice(0, 500)).toHaveLength(1);
  expect(logs).toHaveLength(1);
  expect(JSON.parse(lines[0] as string).status).toBe(res.status);

  if (method === 'HEAD') {
    expect(text).toBe('');
    expect(posts).toHaveLength(0);
    return { status: res.status, text, json: undefined, posts, allow: res.headers.get('allow') };
  }
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = JSON.parse(text);
  if (json.callback === 'success') {
    expect(res.status).toBe(200);
    expect(Object.keys(json).sort()).toEqual(['callback', 'contextWrites']);
    expect(Object.keys(json.contextWrites)).toEqual(['to']);
    // A record (created, fetched, updated, deleted), or a list page of them.
    const { to } = json.contextWrites;
    expect(to.sid ?? (to.messages ?? to.calls)?.[0]?.sid).toMatch(/^(SM|MM|CA)[0-9a-fA-F]{32}$/);
    expect(posts).toHaveLength(1);
  } else if (json.callback === 'error') {
    expect(res.status, text).toBeGreaterThanOrEqual(400);
    expect(res.status, text).toBeLessThan(500);
    expect(['callback', 'contextWrites', 'error']).toEqual(expect.arrayContaining(Object.keys(json)));
    expect(Object.keys(json.contextWrites)).toEqual(['to']);
    expect(typeof json.contextWrites.to).toBe('string');
    expect(json.contextWrites.to.length).toBeGreaterThan(0);
    expect(posts, `a refused request reached Twilio: ${text.slice(0, 300)}`).toHaveLength(0);
  } else {
    // Only the descriptor answers something other than the envelope.
    expect(method).toBe('GET');
    expect(res.status).toBe(200);
    expect(json.blocks.map((b: { name: string }) => b.name)).toEqual(BLOCK_NAMES);
    expect(posts).toHaveLength(0);
  }
  return { status: res.status, text, json, posts, allow: res.headers.get('allow') };
}

const via = fc.constantFrom<'app' | 'worker'>('app', 'app', 'app', 'worker');
/**
 * A block that calls Twilio, shown by its name in counterexamples (not its whole table). The opt-out blocks and
 * listInbound answer from the gateway's own records (test/optouts/, test/inbound/).
 */
const block = fc.constantFrom(
  ...blocks.filter((b) => !isOwnRecord(b)).map((b) => ({ ...b, [fc.toStringMethod]: () => b.name }) as Block),
);
const jsonType = fc.constantFrom(...JSON_TYPES);
const formType = fc.constantFrom(...FORM_TYPES);

type Encoding = { kind: 'json'; type: string } | { kind: 'form'; type: string } | { kind: 'multipart' };
const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 3, arbitrary: jsonType.map((type) => ({ kind: 'json' as const, type })) },
  { weight: 2, arbitrary: formType.map((type) => ({ kind: 'form' as const, type })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'multipart' as const }) },
);

/** The request for an input in an encoding; a form cannot carry every input, so JSON is the fallback. */
function encode(
  input: Record<string, unknown>,
  flat: Record<string, unknown>,
  enc: Encoding,
  mutated?: string,
): Pick<Exchange, 'headers' | 'body'> {
  const pairs = enc.kind === 'json' ? undefined : formPairs(flat, mutated);
  if (pairs && enc.kind === 'form') {
    return { headers: { 'Content-Type': enc.type }, body: new URLSearchParams(pairs).toString() };
  }
  if (pairs && enc.kind === 'multipart') {
    const form = new FormData();
    for (const [key, value] of pairs) form.append(key, value);
    return { body: form };
  }
  return { headers: { 'Content-Type': enc.kind === 'json' ? enc.type : 'application/json' }, body: toJson(input) };
}

const basic = (header: string | undefined) => atob((header ?? '').replace(/^Basic /, ''));

describe('valid inputs', () => {
  it(
    'are sent to Twilio exactly once, with the right account, auth and keys, and answered 200',
    async () => {
      const arb = fc.tuple(block, requestToken).chain(([b, token]) =>
        fc.record({
          block: fc.constant(b),
          token: fc.constant(token),
          flat: validInput(b, token),
          enc: encoding,
          via,
        }),
      );
      const withWrap = arb.chain((c) => wrapped(c.flat).map((input) => ({ ...c, input })));
      await fc.assert(
        fc.asyncProperty(withWrap, async ({ block, token, flat, input, enc, via }) => {
          // The args wrapper is JSON only; a form is always flat.
          const request = encode(enc.kind === 'json' ? input : flat, flat, enc);
          const answer = await exchange({ path: `/api/Twilio/${block.name}`, via, ...request }, [token]);
          // Valid values can add up to more than the body limit: refused whole, before parsing.
          if ((await bodyBytes(request.body)) > MAX_BODY_BYTES) {
            expect(answer.status, answer.text).toBe(413);
            return;
          }
          expect(answer.status, answer.text).toBe(200);
          const [post] = answer.posts as [Seen];
          const account = (flat.accountSid as string | undefined) ?? ENV_ACCOUNT;
          const operation = OPERATIONS[block.action];
          const path = operation.record ? `${block.resource}/${flat.sid}` : block.resource;
          expect(post.method).toBe(operation.method);
          expect(new URL(post.url).pathname).toBe(`/2010-04-01/Accounts/${account}/${path}.json`);
          expect(basic(post.headers.authorization)).toBe(`${account}:${flat.accountSid ? token : ENV_TOKEN}`);
          const keys = Object.keys(flat)
            .map((name) => block.fields[name]?.key)
            .filter((key) => key !== undefined);
          const sent = operation.params === 'query' ? post.query : post.form;
          expect(new Set(sent.keys())).toEqual(new Set([...keys, ...Object.keys(block.fixed ?? {})]));
        }),
        runs(1200),
      );
    },
    LIMIT,
  );
});

/** What the documented answer must be for a refused input. */
function expectRefusal(block: Block, mutation: Mutation, answer: Answer, bytes: number) {
  const to: string = answer.json.contextWrites.to;
  if (bytes > MAX_BODY_BYTES) {
    expect(answer.status, to).toBe(413);
    return;
  }
  const record = (status: number) => `[HTTP ${status}] Unable to ${OPERATIONS[block.action].unable}: `;
  switch (mutation.kind) {
    case 'wrong-value':
    case 'token-leak':
      expect(answer.status, to).toBe(400);
      expect(to.startsWith(record(400)), to).toBe(true);
      return;
    case 'unknown-key':
      expect(answer.status, to).toBe(400);
      expect(to.startsWith(`${record(400)}Unknown parameter: `), to).toBe(true);
      return;
    case 'drop-group':
      expect(answer.status, to).toBe(400);
      expect(to).toBe(`${record(400)}${mutation.message}`);
      return;
    case 'half-credentials':
      expect(answer.status, to).toBe(400);
      expect(to).toBe('Credentials are required to create a Client');
      return;
    case 'bad-account':
      expect(answer.status, to).toBe(404);
      expect(to.startsWith(`${record(404)}The requested resource /2010-04-01/Accounts/`), to).toBe(true);
      expect(to).toMatch(new RegExp(`/${block.resource}(/(SM|MM|CA)[0-9a-fA-F]{32})?\\.json was not found$`));
      return;
  }
}

const mutatedKey = (m: Mutation) =>
  m.kind === 'wrong-value' || m.kind === 'unknown-key'
    ? m.name
    : m.kind === 'bad-account'
      ? 'accountSid'
      : m.kind === 'token-leak'
        ? 'accountToken'
        : undefined;

describe('refused inputs', () => {
  it(
    'one wrong value, unknown key, missing group or bad credential: the documented 4xx, and Twilio is not called',
    async () => {
      const arb = fc.tuple(block, requestToken).chain(([b, token]) =>
        fc
          .record({
            block: fc.constant(b),
            token: fc.constant(token),
            refused: refusedInput(b, token),
            enc: encoding,
            via,
          })
          .chain((c) => wrapped(c.refused.input).map((input) => ({ ...c, input }))),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ block, token, refused, input, enc, via }) => {
          const { mutation } = refused;
          const request = encode(enc.kind === 'json' ? input : refused.input, refused.input, enc, mutatedKey(mutation));
          const answer = await exchange({ path: `/api/Twilio/${block.name}`, via, ...request }, [token]);
          expect(answer.json?.callback, answer.text).toBe('error');
          expectRefusal(block, mutation, answer, await bodyBytes(request.body));
        }),
        runs(2000),
      );
    },
    LIMIT,
  );
});

describe('API-key credentials in the Worker secrets', () => {
  const KEY_SID = 'SK0123456789abcdef0123456789abcdef';
  const KEY_SECRET = 'api-key-secret-never-echoed';
  const keyEnv = envWith({ TWILIO_AUTH_TOKEN: '', TWILIO_API_KEY_SID: KEY_SID, TWILIO_API_KEY_SECRET: KEY_SECRET });

  it(
    'valid or refused, with or without request credentials: the key secret never shows, and signs only key-auth POSTs',
    async () => {
      const arb = fc.tuple(block, requestToken).chain(([b, token]) =>
        fc.record({
          block: fc.constant(b),
          token: fc.constant(token),
          input: fc.oneof(
            validInput(b, token),
            refusedInput(b, token).map((r) => r.input),
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ block, token, input }) => {
          const request = { headers: { 'Content-Type': 'application/json' }, body: toJson(input) };
          const answer = await exchange({ path: `/api/Twilio/${block.name}`, via: 'app', env: keyEnv, ...request }, [
            token,
            KEY_SECRET,
          ]);
          const [post] = answer.posts;
          if (!post) return;
          const expected = input.accountSid === undefined ? `${KEY_SID}:${KEY_SECRET}` : `${input.accountSid}:${token}`;
          expect(basic(post.headers.authorization)).toBe(expected);
        }),
        runs(500),
      );
    },
    LIMIT,
  );
});

const blockPath = fc
  .tuple(fc.constantFrom(...BLOCK_NAMES), fc.constantFrom('Twilio', 'twilio', 'TWILIO', 'tWiLiO'))
  .map(([name, service]) => `/api/${service}/${name}`);

/** Anything for a field: JSON of any shape, tricky objects, deep nesting, huge or odd strings. */
const anyValue = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  trickyObject,
  deep,
  hugeString(),
);

describe('arbitrary JSON', () => {
  it(
    'any JSON value, or objects of real field names with values of any type, flat or in args',
    async () => {
      const fieldsObject = fc.dictionary(fc.constantFrom(...FIELD_NAMES, ...TRICKY_KEYS), anyValue, { maxKeys: 6 });
      const arb = fc.record({
        path: blockPath,
        type: jsonType,
        token: requestToken,
        base: fc.option(
          fc.tuple(block, requestToken).chain(([b, t]) => validInput(b, t)),
          { nil: undefined },
        ),
        body: fc.oneof(
          fc.jsonValue(),
          fieldsObject,
          fieldsObject.map((args) => ({ args })),
          fc.record({ args: anyValue }),
          fc.record({ args: fc.record({ args: fieldsObject }) }),
        ),
        withToken: fc.boolean(),
        via,
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ path, type, token, base, body, withToken, via }) => {
          const object = typeof body === 'object' && body !== null && !Array.isArray(body);
          let value: unknown = body;
          if (object && base) value = { ...base, ...body };
          if (object && withToken) value = { ...(value as object), accountToken: token };
          const answer = await exchange({ path, via, headers: { 'Content-Type': type }, body: toJson(value) }, [token]);
          if (!object) expect(answer.status).toBe(400);
        }),
        runs(1200),
      );
    },
    LIMIT,
  );
});

describe('raw bodies and content types', () => {
  it(
    'empty, truncated, huge, deeply nested, unicode or non-UTF-8 bodies under any Content-Type',
    async () => {
      const arb = requestToken.chain((token) =>
        fc.record({ path: blockPath, token: fc.constant(token), body: rawBody(token), type: contentType, via }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ path, token, body, type, via }) => {
          const headers: Record<string, string> = type === undefined ? {} : { 'Content-Type': type };
          const answer = await exchange({ path, via, headers, body }, [token]);
          const media = (type ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
          const accepted =
            /^application\/([\w.-]+\+)?json$/.test(media) || FORM_TYPES.some((t) => t.toLowerCase() === media);
          const bytes = typeof body === 'string' ? new TextEncoder().encode(body).byteLength : (body?.byteLength ?? 0);
          if (bytes > MAX_BODY_BYTES) expect(answer.status, answer.text).toBe(413);
          else if (!accepted && media !== 'multipart/form-data') expect(answer.status, answer.text).toBe(415);
        }),
        runs(1000),
      );
    },
    LIMIT,
  );
});

const formKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  fc.constantFrom(...TRICKY_KEYS, 'mediaUrl[]', 'to[]', 'args[to]', ''),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const formValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  fc.constantFrom('true', 'false', '+15005550006', 'https://example.com/a.png', 'GET', '5', ''),
  hugeString(1000, 20_000),
);

describe('form bodies', () => {
  it(
    'random pairs with repeated keys, urlencoded or multipart (with files), on a valid base or alone',
    async () => {
      const arb = fc.tuple(block, requestToken).chain(([b, token]) =>
        fc.record({
          block: fc.constant(b),
          token: fc.constant(token),
          base: fc.option(validInput(b, token), { nil: undefined }),
          pairs: fc.array(fc.tuple(formKey, formValue), { maxLength: 12 }),
          repeat: fc.nat({ max: 3 }),
          multipart: fc.boolean(),
          file: fc.option(fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.uint8Array({ maxLength: 64 })), {
            nil: undefined,
          }),
          type: formType,
          via,
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ block, token, base, pairs, repeat, multipart, file, type, via }) => {
          const all = [...(base ? (formPairs(base) ?? []) : []), ...pairs];
          // Repeat a few pairs as they are: repeated keys.
          for (let i = 0; i < repeat && all.length > 0; i++) all.push(all[i % all.length] as [string, string]);
          let request: Pick<Exchange, 'headers' | 'body'>;
          if (multipart) {
            const form = new FormData();
            for (const [key, value] of all) form.append(key, value);
            if (file) form.append(file[0], new File([file[1]], 'x.bin'));
            request = { body: form };
          } else {
            request = { headers: { 'Content-Type': type }, body: new URLSearchParams(all).toString() };
          }
          await exchange({ path: `/api/Twilio/${block.name}`, via, ...request }, [token]);
        }),
        runs(1000),
      );
    },
    LIMIT,
  );

  it(
    'raw form text: broken percent-encoding, stray separators, unicode',
    async () => {
      const raw = fc.array(
        fc.oneof(
          fc.constantFrom(
            '%',
            '%E0%A4%A',
            '%ZZ',
            '&',
            '=',
            '==',
            '&&',
            '+',
            '%00',
            'to=',
            'body=%F0%9F',
            '__proto__[x]=1',
          ),
          fc.constantFrom(...FIELD_NAMES).map((k) => `${k}=`),
          fc.string({ unit: 'binary', maxLength: 10 }),
        ),
        { maxLength: 20 },
      );
      await fc.assert(
        fc.asyncProperty(blockPath, raw, formType, via, async (path, parts, type, via) => {
          const answer = await exchange({ path, via, headers: { 'Content-Type': type }, body: parts.join('') }, []);
          // A list requires nothing: a form that names none of its fields (or names only known ones) may be valid.
          const name = path.slice(path.lastIndexOf('/') + 1);
          if (blocks.find((b) => b.name === name)?.requires.length) expect(answer.json.callback).toBe('error');
        }),
        runs(500),
      );
    },
    LIMIT,
  );
});

describe('routes and methods', () => {
  it(
    'any method on known, near-miss and random paths: the descriptor, an envelope, or a 404 or 405 envelope',
    async () => {
      const path = fc.oneof(
        fc.constantFrom(
          '/api/Twilio',
          '/api/twilio',
          '/api/Twilio/',
          '/api/Twilio/sendsms',
          '/api/Twilio/makeCall/x',
          '/api/Twilio/unknown',
          '/api/Twilio/sendSms?x=1&accountToken=q',
          '/api/%54wilio/sendSms',
          '/api/Twilio/../Twilio/sendSms',
          '/API/Twilio/sendSms',
          '/api/Twilo/sendSms',
          '/',
          '/api',
          '/api/',
          '/favicon.ico',
        ),
        blockPath,
        fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
        fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `/api/Twilio/${encodeURIComponent(s)}`),
      );
      const arb = fc.record({
        method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        path,
        body: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        via,
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ method, path, body, via }) => {
          const withBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
          const answer = await exchange(
            {
              method,
              path,
              via,
              headers: withBody ? { 'Content-Type': 'application/json' } : {},
              ...(withBody ? { body: JSON.stringify(body) } : {}),
            },
            [],
          );
          const pathname = new URL(`https://gateway.test${path}`).pathname;
          if (method === 'GET' && /^\/api\/twilio$/i.test(pathname)) expect(answer.status).toBe(200);
          // A method no route takes: a 405 naming the methods the path takes, or a 404 where it takes none.
          if (method !== 'POST' && method !== 'GET' && method !== 'HEAD') {
            expect([404, 405]).toContain(answer.status);
            if (answer.status === 405) expect(answer.allow?.split(', ')).not.toContain(method);
          }
        }),
        runs(600),
      );
    },
    LIMIT,
  );
});

describe('counterexamples fast-check found (kept as plain regression cases)', () => {
  const cases: [string, string, string][] = [
    [
      'an object with a non-callable toString as a method',
      'makeCall',
      `{"accountSid":"${'AC'.padEnd(34, '0')}","accountToken":"t","from":"+15005550006","to":"+14155550100","url":"https://x.io/a","statusCallbackMethod":{"toString":0}}`,
    ],
    [
      'media URLs nested 5000 arrays deep',
      'sendMms',
      `{"from":"+15005550006","to":"+14155550100","mediaUrl":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    ],
  ];
  for (const [name, blockName, body] of cases) {
    it(`${name}: a 400 naming the field, not a 500`, async () => {
      const answer = await exchange(
        { path: `/api/Twilio/${blockName}`, via: 'app', headers: { 'Content-Type': 'application/json' }, body },
        [],
      );
      expect(answer.status).toBe(400);
      expect(answer.json.contextWrites.to).toMatch(
        /^\[HTTP 400\] Unable to create record: Invalid value for parameter '(StatusCallbackMethod|MediaUrl)'/,
      );
    });
  }
});
