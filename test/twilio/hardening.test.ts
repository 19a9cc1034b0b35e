/**
 * Hardening, one test per case found when the Worker was attacked as an outsider would: redirects, answers
 * in doubt, sizes, secrets in answers and headers, and the sandbox's callbacks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { pageResource, callResource as twilioCall } from '../../src/twilio/resources';
import { isValidTwilioSignature } from '../../src/twilio/signature';
import { createdResponse, installFakeTwilio } from '../fake-twilio';
import { ACCOUNT, captureConsole, ENV_TOKEN, envWith, post, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const OWN = { accountSid: ACCOUNT, accountToken: TOKEN, from: '+15005550006', to: '+14155550100', body: 'hi' };

async function sendSms(
  body: unknown = OWN,
  overrides: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
  const res = await app.request(
    '/api/Twilio/sendSms',
    { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) },
    envWith(overrides),
    ctx as unknown as ExecutionContext,
  );
  const text = await res.text();
  await Promise.all(pending);
  return { status: res.status, text, json: JSON.parse(text) as Record<string, any> };
}

/** An answer in doubt: 502, the reason named, not retryable, and exactly one POST. */
function expectInDoubt(answer: Awaited<ReturnType<typeof sendSms>>, reason: string, posts: number) {
  expect(answer.status, answer.text).toBe(502);
  expect(answer.json.contextWrites.to).toBe(`[HTTP 502] Unable to create record: ${reason}`);
  expect(answer.json.error).toMatchObject({ retryable: false, source: 'gateway' });
  expect(posts).toBe(1);
}

describe('never follow a redirect', () => {
  it.each([301, 302, 307, 308])(
    'a %i is a 502 that names it, after one POST; the other host is never asked',
    async (status) => {
      const { seen } = installFakeTwilio(
        () => new Response(null, { status, headers: { Location: 'https://collector.example/steal' } }),
      );
      const answer = await sendSms();
      expectInDoubt(answer, `Twilio answered a redirect (HTTP ${status}); it is not followed`, seen.length);
      expect(seen.every((s) => new URL(s.url).host === 'api.twilio.com')).toBe(true);
    },
  );
});

describe('once the POST went out, a failure is in doubt unless Twilio refused it', () => {
  it('a 201 cut mid-body', async () => {
    const { seen } = installFakeTwilio(() => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"sid":"SM'));
          controller.error(new Error('connection reset'));
        },
      });
      return new Response(body, { status: 201 });
    });
    expectInDoubt(await sendSms(), 'Twilio answered HTTP 201 with a body that was cut off', seen.length);
  });

  it('an unreadable 201', async () => {
    const { seen } = installFakeTwilio(() => new Response('<html>ok</html>', { status: 201 }));
    expectInDoubt(await sendSms(), 'Twilio answered 201 with a body that is not a Message resource', seen.length);
  });

  // Issue 23: a deep field was copied into the envelope (100,000 levels) or answered a 500 (20,000 levels).
  it.each([33, 5_000, 20_000, 100_000])(
    'a 201 nested %i levels deep is a 502 that names the bound, never copied',
    async (depth) => {
      const nested = `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
      const { seen } = installFakeTwilio(
        () => new Response(`{"sid":"SM${'0'.repeat(32)}","x":${nested}}`, { status: 201 }),
      );
      const answer = await sendSms();
      expectInDoubt(answer, 'Twilio answered HTTP 201 with JSON nested deeper than 32 levels', seen.length);
      expect(answer.text.length).toBeLessThan(2000);
    },
  );

  it('a list page nested past the bound is a 502 too, and 32 levels still decode', async () => {
    const deep = installFakeTwilio(
      () => new Response(`{"messages":[${'['.repeat(40)}${']'.repeat(40)}]}`, { status: 200 }),
    );
    const page = await post('listMessages', { accountSid: ACCOUNT, accountToken: TOKEN });
    expect(page.json.contextWrites.to).toBe(
      '[HTTP 502] Unable to fetch page: Twilio answered HTTP 200 with JSON nested deeper than 32 levels',
    );
    expect(deep.seen).toHaveLength(1);
    vi.restoreAllMocks();
    // A string full of brackets is no nesting; 31 levels under the resource is within the bound.
    const fine = `{"sid":"SM${'0'.repeat(32)}","body":"${'['.repeat(100)}","x":${'['.repeat(31)}${']'.repeat(31)}}`;
    installFakeTwilio((s) => (s.form.get('Body') ? new Response(fine, { status: 201 }) : createdResponse(s)));
    expect((await sendSms()).json.contextWrites.to.sid).toBe(`SM${'0'.repeat(32)}`);
  });

  it('a Content-Length longer than the body (through the runtime’s fetch): cut off or out of time, in doubt', async () => {
    const answer = await sendSms(OWN, {
      TWILIO_API_BASE_URL: 'http://short-body.fault.invalid',
      TWILIO_TIMEOUT_MS: '300',
    });
    expect([
      '[HTTP 502] Unable to create record: Twilio answered HTTP 201 with a body that was cut off',
      '[HTTP 504] Unable to create record: Twilio did not answer within 300 ms',
    ]).toContain(answer.json.contextWrites.to);
    expect(answer.json.error.retryable).toBe(false);
  });
});

describe('sizes', () => {
  it('an answer over 1 MB is a 502, read no further', async () => {
    const { seen } = installFakeTwilio(
      () => new Response(`{"sid":"SM${'0'.repeat(32)}","pad":"${'x'.repeat(1100 * 1024)}"}`, { status: 201 }),
    );
    expectInDoubt(await sendSms(), 'Twilio answered HTTP 201 with more than 1048576 bytes', seen.length);
  });

  it('a list page may be up to 4 MB (1,000 Calls of about 2.3 KB are over 1 MB); over that, a 502; a fetch stays at 1 MB', async () => {
    const CA = (i: number) => `CA${i.toString(16).padStart(32, '0')}`;
    /** Twilio's page of `count` Calls, as JSON. */
    const page = (count: number) =>
      JSON.stringify(
        pageResource({
          accountSid: ACCOUNT,
          resource: 'Calls',
          records: Array.from({ length: count }, (_, i) =>
            twilioCall({ accountSid: ACCOUNT, sid: CA(i), to: '+14155550100', from: '+15005550006', now: new Date() }),
          ),
          filters: [],
          page: 0,
          pageSize: count,
          pageToken: null,
          nextPageToken: null,
          previousPageToken: null,
        }),
      );
    const full = page(1000);
    const huge = page(2000);
    expect(full.length).toBeGreaterThan(1024 * 1024);
    expect(full.length).toBeLessThan(4 * 1024 * 1024);
    expect(huge.length).toBeGreaterThan(4 * 1024 * 1024);
    const list = (body: string) => {
      installFakeTwilio(() => new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } }));
      return post('listCalls', { accountSid: ACCOUNT, accountToken: TOKEN, pageSize: 1000 });
    };
    const ok = await list(full);
    expect(ok.status, ok.text.slice(0, 300)).toBe(200);
    expect(ok.json.contextWrites.to.calls).toHaveLength(1000);
    expect(ok.json.contextWrites.to.calls[999].sid).toBe(CA(999));
    const over = await list(huge);
    expect(over.status).toBe(502);
    expect(over.json.contextWrites.to).toBe(
      '[HTTP 502] Unable to fetch page: Twilio answered HTTP 200 with more than 4194304 bytes',
    );
    // A record is no page: a fetch over 1 MB is still the 502.
    installFakeTwilio(() => new Response(full, { status: 200 }));
    const fetched = await post('getCall', { accountSid: ACCOUNT, accountToken: TOKEN, sid: CA(1) });
    expect(fetched.json.contextWrites.to).toBe(
      '[HTTP 502] Unable to fetch record: Twilio answered HTTP 200 with more than 1048576 bytes',
    );
  });

  it('a gzip bomb (8 MB of zeros in a few KB) is inflated no further than 1 MB', async () => {
    const bomb = await new Response(
      new Blob([new Uint8Array(8 * 1024 * 1024)]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    let inflated = 0;
    const { seen } = installFakeTwilio(() => {
      // What fetch hands over for a gzip-encoded answer: the body as it inflates.
      const counted = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          inflated += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const body = new Blob([bomb]).stream().pipeThrough(new DecompressionStream('gzip')).pipeThrough(counted);
      return new Response(body, { status: 201 });
    });
    const answer = await sendSms();
    expect(seen).toHaveLength(1);
    expect(inflated).toBeLessThan(2 * 1024 * 1024);
    expect(answer.status).toBe(502);
    expect(answer.json.contextWrites.to).toBe(
      '[HTTP 502] Unable to create record: Twilio answered HTTP 201 with more than 1048576 bytes',
    );
  });
});

describe('secrets', () => {
  it('a success body that echoes the token, in any case, has it redacted', async () => {
    installFakeTwilio((s) => {
      const created = createdResponse(s);
      return created
        .json()
        .then((resource) =>
          Response.json({ ...(resource as object), body: `echo ${TOKEN.toUpperCase()} and ${TOKEN}` }, { status: 201 }),
        );
    });
    const answer = await sendSms();
    expect(answer.status).toBe(200);
    expect(answer.json.contextWrites.to.body).toBe('echo [redacted] and [redacted]');
    expect(answer.text.toLowerCase()).not.toContain(TOKEN.toLowerCase());
  });

  it('a success body that echoes the token behind JSON escapes has it redacted too', async () => {
    const escaped = [...TOKEN].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    installFakeTwilio((s) =>
      createdResponse(s)
        .text()
        .then((text) => new Response(text.replace('"body":"hi"', `"body":"echo ${escaped}"`), { status: 201 })),
    );
    const answer = await sendSms();
    expect(answer.json.contextWrites.to.body).toBe('echo [redacted]');
    expect(answer.text).not.toContain(TOKEN);
  });

  it('Twilio-Request-Id is logged only if it looks like one', async () => {
    const header = `Basic ${btoa(`${ACCOUNT}:${TOKEN}`)}${'x'.repeat(1000)}`;
    installFakeTwilio((s) => createdResponse(s, { 'Twilio-Request-Id': header }));
    const logs = captureConsole();
    await sendSms();
    const line = JSON.parse(logs.log.find((l) => l.startsWith('{"route"'))!);
    expect(line.twilioRequestId).toBeNull();
    expect(logs.all.join('\n')).not.toContain(btoa(`${ACCOUNT}:${TOKEN}`));
  });
});

describe('the sandbox’s simulated callbacks are no open relay', () => {
  // The emulator accepts exactly the Worker's credentials (here the pair OWN brings), on a fast clock.
  const SANDBOX = {
    TWILIO_MODE: 'sandbox',
    SANDBOX_CALLBACKS: 'true',
    SANDBOX_SPEED: '1000000',
    TWILIO_ACCOUNT_SID: OWN.accountSid,
    TWILIO_AUTH_TOKEN: OWN.accountToken,
  };
  // A public address: off a local run, the emulator calls no private one (test/sandbox/callbacks.test.ts).
  const hook = 'https://hooks.example.com/steal';

  /** Records every outbound request (the callbacks) and answers with `answer`. */
  function capture(answer: () => Response = () => new Response(null, { status: 204 })) {
    const seen: Request[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push(request);
      expect(init?.redirect ?? request.redirect).toBe('manual');
      expect(init?.signal ?? request.signal).toBeTruthy();
      return answer();
    });
    return seen;
  }

  it('an anonymous caller of a deployed sandbox with API_KEYS gets no callbacks', async () => {
    const seen = capture();
    const res = await app.request(
      'https://gateway.example.workers.dev/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...OWN, statusCallback: hook }),
      },
      envWith({ ...SANDBOX, API_KEYS: 'a-caller-key-0123456789' }),
      { waitUntil: () => {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
    );
    expect(((await res.json()) as { callback: string }).callback).toBe('success');
    expect(seen).toHaveLength(0);
  });

  it('a deployed sandbox without API_KEYS sends none to an anonymous caller, whatever host it names; a local run does', async () => {
    const seen = capture();
    const at = (origin: string, local = 'false') =>
      app.request(
        `${origin}/api/Twilio/sendSms`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...OWN, statusCallback: hook }),
        },
        envWith({ ...SANDBOX, API_KEYS: '', SANDBOX_LOCAL: local }),
        { waitUntil: () => {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
      );
    expect((await at('https://gateway.example.workers.dev')).status).toBe(200);
    expect((await at('http://127.0.0.1:8787')).status).toBe(200);
    expect(seen).toHaveLength(0);
    expect((await at('https://gateway.example.workers.dev', 'true')).status).toBe(200);
    await vi.waitFor(() => expect(seen.length).toBe(3));
  });

  it('a keyed caller gets them, never following a redirect', async () => {
    const key = 'a-caller-key-0123456789';
    const seen = capture(() => new Response(null, { status: 307, headers: { Location: 'http://169.254.169.254/' } }));
    await sendSms({ ...OWN, statusCallback: hook }, { ...SANDBOX, API_KEYS: key }, { 'X-API-Key': key });
    expect(seen.length).toBe(3);
    expect(seen.every((r) => r.url === hook)).toBe(true);
  });

  it('signed only with the token the emulator was given (sandbox mode never calls Twilio); another gets a 401 and none', async () => {
    const seen = capture();
    const stored = { from: '+15005550006', to: '+14155550100', body: 'hi', statusCallback: hook };
    // An anonymous caller gets callbacks on a local run only.
    const own = { ...SANDBOX, API_KEYS: '', SANDBOX_LOCAL: 'true', TWILIO_AUTH_TOKEN: 'the-sandbox-own-token' };
    await sendSms(stored, own);
    expect(seen.length).toBe(3);
    for (const request of seen) {
      const params = new URLSearchParams(await request.text());
      const signature = request.headers.get('X-Twilio-Signature') ?? '';
      expect(await isValidTwilioSignature('the-sandbox-own-token', signature, request.url, params)).toBe(true);
      expect(await isValidTwilioSignature(ENV_TOKEN, signature, request.url, params)).toBe(false);
    }
    const refused = await sendSms({ ...stored, accountSid: OWN.accountSid, accountToken: ENV_TOKEN }, own);
    expect(refused.status).toBe(401);
    expect(seen.length).toBe(3);
  });
});
