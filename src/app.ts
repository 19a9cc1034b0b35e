import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './app-env';
import type { Config } from './config';
import { failure, toGatewayError } from './envelope';
import { badRequest, GatewayError } from './errors';
import { withConfig } from './middleware/config';
import { requestLog } from './middleware/request-log';
import { blocksApi } from './routes/blocks';
import { docsApi } from './routes/docs';

export type { AppEnv } from './app-env';

/** `/api/Twilio`, with `Twilio` matched case-insensitively. */
const SERVICE = '/api/:service{[Tt][Ww][Ii][Ll][Ii][Oo]}';

/**
 * The Worker's HTTP app: small middleware, composed in the order a request meets them, then the route
 * families. The body limit, caller keys and rate limit run on each POST of the blocks API (routes/blocks.ts).
 */
export const app = new Hono<AppEnv>();

app.use(requestId());
app.use(requestLog);
// The secure headers a JSON API needs (Hono's middleware, trimmed): each header costs about 0.8 µs of CPU per
// answer, and the rest of Hono's defaults (COOP, Origin-Agent-Cluster, X-XSS-Protection…) only apply to pages.
app.use(
  secureHeaders({
    xFrameOptions: 'DENY',
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }),
);
app.use(withConfig);
// CORS only for the origins in CORS_ORIGINS; a browser form post needs no preflight, so it still needs a key.
const corsHeaders = cors({
  origin: (origin, c: Context<AppEnv>) => (c.get('config').CORS_ORIGINS?.includes(origin) ? origin : null),
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'Idempotency-Key', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After'],
  maxAge: 600,
});
// Only a browser's request (one with an Origin) on a Worker with CORS_ORIGINS meets the CORS middleware: it
// rebuilds the answer twice to add its headers, which measured a third of this Worker's CPU per send.
app.use('/api/*', (c, next) =>
  c.get('config').CORS_ORIGINS && c.req.header('origin') ? corsHeaders(c, next) : next(),
);

app.route(SERVICE, blocksApi);
app.route('/', docsApi);

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
