import { type Context, Hono } from 'hono';
import { blocks } from './blocks';
import { descriptor } from './blocks/descriptor';
import { toForm } from './blocks/form';
import type { BlockInput } from './blocks/schema';
import { type Config, readConfig, twilioBaseUrl } from './config';
import { resolveAuth } from './credentials';
import { failure, success, toGatewayError } from './envelope';
import { badRequest, GatewayError } from './errors';
import { logRequest, type TwilioTrace } from './log';
import { sandboxUpstream } from './sandbox';
import { createRecord, type Upstream } from './twilio/client';
import { validateBlock } from './validate';

/** Hono's typing of this app: the Worker's bindings and what middleware leaves for handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config; input: BlockInput; twilio: TwilioTrace; failed: boolean };
}

/** `/api/Twilio`, with `Twilio` matched case-insensitively. */
const SERVICE = '/api/:service{[Tt][Ww][Ii][Ll][Ii][Oo]}';

const waitUntilOf = (c: { executionCtx: { waitUntil(promise: Promise<unknown>): void } }) => {
  try {
    const ctx = c.executionCtx;
    return (p: Promise<unknown>) => ctx.waitUntil(p);
  } catch {
    return (p: Promise<unknown>) => void p.catch(() => {});
  }
};

/** Live mode's upstream: the runtime's fetch. */
const network: Upstream = (url, init) => fetch(url, init);

/** The HTTP room: routes only. Blocks, the Twilio client and the error mapping do the work. */
export const app = new Hono<AppEnv>();

// One layer around every request: the config, decoded once per env (a bad one answers here, before any
// validation), and the log line once the answer is known: for every request with LOG_REQUESTS=all, else
// (the default) for failures and retried sends only.
app.use('*', async (c, next) => {
  const started = Date.now();
  let config: Config | undefined;
  try {
    config = readConfig(c.env ?? {});
    c.set('config', config);
    await next();
  } catch (err) {
    c.res = answerError(err, c);
  }
  const trace = c.get('twilio');
  if (config?.LOG_REQUESTS === 'all' || c.get('failed') || (trace?.attempts ?? 0) > 1) logRequest(c, started, trace);
});

app.get(SERVICE, (c) => c.json(descriptor));

for (const block of blocks) {
  app.post(`${SERVICE}/${block.name}`, validateBlock(block), async (c) => {
    const config = c.get('config');
    const input = c.get('input');
    const auth = resolveAuth(input, config, block.resource);
    const upstream: Upstream =
      config.TWILIO_MODE === 'sandbox'
        ? sandboxUpstream({ callbacks: config.SANDBOX_CALLBACKS, waitUntil: waitUntilOf(c) })
        : network;
    // request.cf is decoded on each access: read it only when the edge follows the caller.
    const continent =
      config.TWILIO_EDGE === 'auto' ? (c.req.raw.cf as { continent?: string } | undefined)?.continent : undefined;
    const result = await createRecord(
      { baseUrl: twilioBaseUrl(config, continent), upstream, timeoutMs: config.TWILIO_TIMEOUT_MS },
      block.resource,
      auth,
      toForm(block, input),
    );
    c.set('twilio', { status: result.status, requestId: result.requestId, attempts: result.attempts });
    return success(result.resource);
  });
}

app.notFound((c) => {
  c.set('failed', true);
  return failure(c, badRequest(`No route for ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 128)}`, 404));
});

/** Any failure, mapped once to the documented envelope (and recorded for the log line). */
function answerError(err: unknown, c: Context<AppEnv>): Response {
  const error = toGatewayError(err);
  c.set('failed', true);
  const { twilioStatus, code, requestId, attempts } = error.detail;
  // Twilio's status is logged only when Twilio answered; a locally caught error made no attempt.
  c.set('twilio', { status: attempts ? twilioStatus : undefined, code, requestId, attempts });
  // An unexpected failure: log its kind only; its message could carry input.
  if (!(err instanceof GatewayError) && error.status >= 500) {
    console.error(JSON.stringify({ unhandled: err instanceof Error ? err.name : typeof err }));
  }
  // The config is unset only when it is itself the failure: then the status mirrors.
  const config = c.get('config') as Config | undefined;
  return failure(c, error, config?.ERROR_STATUS === 'always-200');
}

app.onError(answerError);
