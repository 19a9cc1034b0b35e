import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../../config';
import type { AppEnv } from '../app-env';

const allowed = cors({
  origin: (origin, c) => (c.get('config').CORS_ORIGINS?.includes(origin) ? origin : null),
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'Idempotency-Key', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'Location', 'Preference-Applied'],
  maxAge: 600,
});

/**
 * CORS for the origins in CORS_ORIGINS, on a browser's request (one with an Origin). Without CORS_ORIGINS a
 * preflight is not answered by Hono's cors but by the route (a 404 envelope). A browser form post needs no
 * preflight, so it still needs a key.
 */
export const corsForOrigins = createMiddleware<AppEnv>(async (c, next) => {
  // No config: a bad setting, with only the descriptor and the OpenAPI document answering (middleware/settings.ts).
  if ((c.get('config') as Config | undefined)?.CORS_ORIGINS && c.req.header('origin')) return allowed(c, next);
  await next();
});
