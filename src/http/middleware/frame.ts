import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { type Config, readConfig } from '../../config';
import type { TwilioTrace } from '../../send/send';
import type { AppEnv } from '../app-env';

/**
 * The secure headers a JSON API needs (Hono's secureHeaders, trimmed): each costs about 0.8 µs of CPU per answer,
 * and the rest of Hono's defaults (COOP, Origin-Agent-Cluster, X-XSS-Protection…) only apply to pages.
 */
export const SECURE_HEADERS = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
] as const;

/** A caller's own X-Request-Id is kept when it is 1 to 255 of `[A-Za-z0-9_=-]` (as hono/request-id keeps it). */
const requestIdOf = (given: string | null) =>
  given && given.length <= 255 && !/[^\w\-=]/.test(given) ? given : crypto.randomUUID();

// CORS only for the origins in CORS_ORIGINS; a browser form post needs no preflight, so it still needs a key.
const corsHeaders = cors({
  origin: (origin, c: Context<AppEnv>) => (c.get('config').CORS_ORIGINS?.includes(origin) ? origin : null),
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'Idempotency-Key', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'Location', 'Preference-Applied'],
  maxAge: 600,
});
/** The paths CORS applies to (as Hono matches `/api/*`). */
const API_PATH = /^\/api(\/|$)/;

/**
 * Everything every request meets, in one middleware (each Hono middleware layer costs CPU on every send):
 * the request id, the settings decoded once per env (a bad setting is answered here, before any work), CORS
 * (only for a browser's request, one with an Origin, on a Worker with CORS_ORIGINS: Hono's cors rebuilds the
 * answer twice), then on the answer X-Request-Id, the secure headers, Idempotent-Replayed and the log line.
 */
export function frame(onError: (err: Error, c: Context<AppEnv>) => Response): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    const id = requestIdOf(c.req.raw.headers.get('x-request-id'));
    c.set('requestId', id);
    let config: Config | undefined;
    try {
      config = readConfig(c.env ?? {});
    } catch (err) {
      c.res = onError(err as Error, c);
    }
    if (config) {
      c.set('config', config);
      const browser = config.CORS_ORIGINS && c.req.header('origin') && API_PATH.test(c.req.path);
      await (browser ? corsHeaders(c, next) : next());
    }
    const headers = c.res.headers;
    headers.set('X-Request-Id', id);
    // An envelope's success answer is created with them (envelope.ts); any other answer gets them here.
    if (!headers.has('X-Frame-Options')) for (const [name, value] of SECURE_HEADERS) headers.set(name, value);
    if (c.get('replayed')) headers.set('Idempotent-Replayed', 'true');
    log(c, config, started);
  };
}

/**
 * The one structured JSON log line of a request, written once the answer is known: for every request with
 * LOG_REQUESTS=all, else (the default) for failures and retried sends only. Route, status, the request id,
 * Twilio's status, code and request id, attempts and duration; never a credential, token, phone number or
 * message body.
 */
function log(c: Context<AppEnv>, config: Config | undefined, started: number): void {
  const trace = c.get('twilio') as TwilioTrace | undefined;
  if (config?.LOG_REQUESTS !== 'all' && !c.get('failed') && (trace?.attempts ?? 0) <= 1) return;
  console.log(
    JSON.stringify({
      route: `${c.req.method} ${c.req.path.slice(0, 128)}`,
      status: c.res.status,
      requestId: c.get('requestId'),
      twilioStatus: trace?.status ?? null,
      twilioCode: trace?.code ?? null,
      twilioRequestId: trace?.requestId ?? null,
      attempts: trace?.attempts ?? 0,
      durationMs: Date.now() - started,
    }),
  );
}
