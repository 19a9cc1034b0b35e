import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      // Fake secrets for the tests only; the real ones come from `wrangler secret put`.
      miniflare: {
        // No test reaches the network: a fetch that no test stubbed lands here, not at api.twilio.com.
        outboundService: (request: Request) =>
          new Response(`outbound fetch blocked in tests: ${new URL(request.url).host}`, { status: 599 }),
        bindings: {
          TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
          TWILIO_AUTH_TOKEN: 'env-secret-token-never-echoed',
        },
      },
    }),
  ],
  // Log lines of passing tests are noise; a failing test still shows its own.
  test: { include: ['test/**/*.test.ts'], silent: 'passed-only' },
});
