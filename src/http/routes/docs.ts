import { Hono } from 'hono/tiny';
import type { Config } from '../../config';
import { GatewayError } from '../../errors';
import type { AppEnv } from '../app-env';

/** The document as built from the block tables (src/http/openapi/document.ts → public/openapi.json), read once per isolate. */
let built: Promise<Record<string, unknown>> | undefined;

async function readBuilt(assets: Fetcher, url: string): Promise<Record<string, unknown>> {
  const res = await assets.fetch(new URL('/openapi.json', url));
  if (!res.ok) {
    throw new GatewayError(500, 'The OpenAPI document is not among the assets: npm run build:page builds it', {
      source: 'gateway',
      code: null,
    });
  }
  return res.json();
}

/**
 * The Worker's own documentation, mounted at `/`: `GET /openapi.json`, the document built from the block tables
 * (a static asset) with this Worker as its server and its Twilio mode as `x-twilio-mode`, which the playground
 * reads. The playground page itself (`GET /`) is a static asset, served before the Worker runs.
 */
export const docsApi = new Hono<AppEnv>();

docsApi.get('/openapi.json', async (c) => {
  built ??= readBuilt(c.env.ASSETS, c.req.url).catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  // Without a config (a bad setting, answered elsewhere), the document still shows; the mode is then the default.
  const mode = (c.get('config') as Config | undefined)?.TWILIO_MODE ?? 'live';
  const description =
    mode === 'sandbox'
      ? 'This Worker, in sandbox mode: the Twilio emulator answers; nothing is sent or billed.'
      : 'This Worker.';
  return c.json({
    ...(await built),
    servers: [{ url: new URL(c.req.url).origin, description, 'x-twilio-mode': mode }],
  });
});
