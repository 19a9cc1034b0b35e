import type { Context } from 'hono';
import { requestId } from 'hono/request-id';
import { PatternRouter } from 'hono/router/pattern-router';
import { secureHeaders } from 'hono/secure-headers';
import { Hono } from 'hono/tiny';
import type { Config } from '../config';
import { CONFIG_ERROR, GatewayError, toGatewayError } from '../errors';
import type { AppEnv } from './app-env';
import { failure } from './envelope';
import { methodHint, type RouteLine, recordHint, routeHint } from './hints';
import { corsForOrigins } from './middleware/cors';
import { dataPoint } from './middleware/data-point';
import { logLine } from './middleware/log-line';
import { settings } from './middleware/settings';
import { methodNotAllowed, noRoute } from './refusals';
import { blocksApi } from './routes/blocks';
import { docsApi } from './routes/docs';
import { hooksApi } from './routes/hooks';
import { inboundApi } from './routes/inbound';
import { sandboxApi } from './routes/sandbox';
import { statusApi } from './routes/status';

export type { AppEnv } from './app-env';

/** `/api/Twilio`, with `Twilio` matched case-insensitively. */
const SERVICE = '/api/:service{[Tt][Ww][Ii][Ll][Ii][Oo]}';

/**
 * The Worker's HTTP app: the middleware every request meets, in order, then the route families. The body limit,
 * caller keys and rate limit run on each POST of the blocks API (routes/blocks.ts).
 */
export const app = new Hono<AppEnv>();

// The caller's X-Request-Id when well-formed (1 to 255 of [A-Za-z0-9_=-]), else a fresh one, on every answer.
app.use(requestId());
app.use(logLine);
app.use(dataPoint);
// What a JSON API needs of Hono's secure headers; COOP, Origin-Agent-Cluster and the like only apply to pages.
app.use(
  secureHeaders({
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: 'DENY',
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }),
);
app.use(settings);
app.use('/api/*', corsForOrigins);

app.route(SERVICE, blocksApi);
app.route('/', docsApi);
app.route('/', hooksApi);
app.route('/', statusApi);
app.route('/', inboundApi);
// The sandbox inbox posts the person's signed message back into this app, in-process (routes/sandbox.ts).
app.route(SERVICE, sandboxApi(app));

/** The methods callers use; HEAD is answered wherever GET is. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Every route as a caller writes it (`/api/Twilio/messages/{sid}`), and a router that tells which methods a path
 * takes; read from the app's own routes once, on the first request no route answers.
 */
let table: { lines: RouteLine[]; router: PatternRouter<string> } | undefined;
function routeTable() {
  if (table) return table;
  const lines: RouteLine[] = [];
  const router = new PatternRouter<string>();
  for (const { method, path } of app.routes) {
    // Middleware (`ALL`) and admission layers (`/*`) are no route of their own.
    if (method === 'ALL' || path.includes('*')) continue;
    const shown = path.replace(/:service\{[^}]*\}/, 'Twilio').replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
    if (lines.some((l) => l.method === method && l.path === shown)) continue;
    lines.push({ method, path: shown });
    router.add(method, path, method);
  }
  table = { lines, router };
  return table;
}

// No route for this method and path: a 405 with Allow when the path takes other methods, else a 404; both with the
// route the caller most likely meant.
app.notFound((c) => {
  c.set('failed', true);
  const path = new URL(c.req.url).pathname.slice(0, 128);
  const { lines, router } = routeTable();
  const allowed = METHODS.filter((m) => router.match(m === 'HEAD' ? 'GET' : m, c.req.path)[0].length > 0);
  if (allowed.length > 0 && !allowed.includes(c.req.method as never)) {
    c.header('Allow', allowed.join(', '));
    const refusal = methodNotAllowed(c.req.method, path);
    return failure(c, refusal.hinted(methodHint(allowed, path)));
  }
  // A route that exists and found nothing (an unknown recipe, a request id no longer kept) says what it looks up.
  const found = allowed.includes(c.req.method as never);
  const hint = found ? recordHint(path) : routeHint(lines, path);
  return failure(c, noRoute(c.req.method, path).hinted(hint));
});

const reported = new WeakMap<object, Set<string>>();

/**
 * A configuration error is written to the log once per env (an isolate's env lives as long as its settings): one
 * console line with its hint, at the first request that meets it; the request's own log line follows as usual.
 */
function reportOnce(env: object, error: GatewayError): void {
  if (!error.text.startsWith(CONFIG_ERROR)) return;
  const seen = reported.get(env) ?? new Set();
  reported.set(env, seen);
  if (seen.has(error.text)) return;
  seen.add(error.text);
  console.error(JSON.stringify({ configError: error.text, hint: error.detail.hint ?? null }));
}

/** Any failure, mapped once to the documented envelope (and recorded for the log line). */
function answerError(err: unknown, c: Context<AppEnv>): Response {
  const error = toGatewayError(err);
  reportOnce(c.env ?? {}, error);
  c.set('failed', true);
  c.set('error', error);
  const { twilioStatus, code, requestId, attempts, ms } = error.detail;
  // Twilio's status is logged only when Twilio answered; a locally caught error made no attempt.
  c.set('twilio', { status: attempts ? twilioStatus : undefined, code, requestId, attempts, ms });
  // An unexpected failure: log its kind only; its message could carry input.
  if (!(err instanceof GatewayError) && error.status >= 500) {
    console.error(JSON.stringify({ unhandled: err instanceof Error ? err.name : typeof err }));
  }
  // The config is unset only when it is itself the failure: then the status mirrors. A hook's sender and Twilio's
  // status callbacks see the real status whatever ERROR_STATUS says.
  const config = c.get('config') as Config | undefined;
  return failure(c, error, config?.ERROR_STATUS === 'always-200' && !/^\/(hooks|twilio)\//.test(c.req.path));
}

app.onError(answerError);
