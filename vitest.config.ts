import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const blocked = (request: Request) =>
  new Response(`outbound fetch blocked in tests: ${new URL(request.url).host}`, { status: 599 });

/** How long the slow fault hosts take: far beyond the fault tests' time budget. */
const SLOW_MS = 3000;

/**
 * `short-body.fault.invalid` answers 201 with a Content-Length longer than its body.
 * `hangs.fault.invalid` answers only after SLOW_MS; `stalls.fault.invalid` sends its headers and the start
 * of a body at once, and the rest after SLOW_MS. Anything else: undefined.
 */
function slowFault(host: string): Promise<Response> | Response | undefined {
  const later = <T>(value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), SLOW_MS));
  if (host === 'short-body.fault.invalid') {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"sid":"SM'));
        controller.close();
      },
    });
    return new Response(body, {
      status: 201,
      headers: { 'Content-Type': 'application/json', 'Content-Length': '4096' },
    });
  }
  if (host === 'hangs.fault.invalid') return later(() => new Response('late', { status: 599 }));
  if (host === 'stalls.fault.invalid') {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"sid":"SM'));
        await later(() => controller.close());
      },
    });
    return new Response(body, { status: 201, headers: { 'Content-Type': 'application/json' } });
  }
  return undefined;
}

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      // The build with the Twilio emulator, as `npm start` runs it: the tests use sandbox mode too.
      main: './src/with-sandbox.ts',
      // Fake secrets for the tests only; the real ones come from `wrangler secret put`.
      miniflare: {
        // No test reaches the network: a fetch that no test stubbed lands here, not at api.twilio.com.
        // Two hosts fail slowly, for the fault tests that go through the runtime's own fetch.
        outboundService: (request: Request) => slowFault(new URL(request.url).host) ?? blocked(request),
        // The suite sends far more than wrangler.toml's 100 per minute; test/http/security.test.ts proves the limit
        // with STRICT_LIMITER, which has the deployed limit.
        ratelimits: {
          RATE_LIMITER: { namespace_id: '1001', simple: { limit: 1_000_000, period: 60 } },
          STRICT_LIMITER: { namespace_id: '1002', simple: { limit: 100, period: 60 } },
        },
        bindings: {
          // The production set-up: a caller key (test/helpers.ts sends it), so the stored credentials are spent
          // only by callers that present it.
          API_KEYS: 'test-suite-caller-key-0123456789',
          TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
          TWILIO_AUTH_TOKEN: 'env-secret-token-never-echoed',
          // Every request logs in the tests, so that each log line is checked for secrets; the default
          // (errors only) has tests of its own.
          LOG_REQUESTS: 'all',
          // Signs the forwarded status updates (test/status*.test.ts): Standard Webhooks' own test secret.
          WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          // The share of each fuzz property's runs (test/http/fuzz.test.ts): a quarter in `npm test`, all in `npm run fuzz`.
          FUZZ_SCALE: process.env.FUZZ_SCALE ?? '0.25',
        },
      },
    }),
  ],
  // Log lines of passing tests are noise; a failing test still shows its own.
  // The fast-check properties take seconds on a loaded 2-core machine; a timeout is a hang guard, not a speed goal.
  test: { include: ['test/**/*.test.ts'], setupFiles: ['./test/setup.ts'], silent: 'passed-only', testTimeout: 30_000 },
});
