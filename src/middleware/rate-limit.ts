import { createMiddleware } from 'hono/factory';
import { gatewayRefusal } from '../errors';
import type { Caller, CallerVariables } from './caller';

/** Seconds a refused caller is told to wait: the longest period the rate-limit binding allows (wrangler.toml). */
const RETRY_AFTER_SECONDS = 60;

/** The rate-limit key of a caller: its key's id, or its IP when it has none. */
const limitKey = (caller: Caller) => (caller.kind === 'key' ? caller.id : `ip:${caller.ip}`);

/**
 * Per-caller rate limit with the Workers rate-limiting binding RATE_LIMITER (`[[ratelimits]]` in
 * wrangler.toml). Over the limit: 429 in the envelope with Retry-After; Twilio is not called. A Worker
 * deployed without the binding is not limited here.
 */
export const rateLimit = createMiddleware<{ Bindings: Env; Variables: CallerVariables }>(async (c, next) => {
  const limiter = (c.env as Partial<Env> | undefined)?.RATE_LIMITER;
  if (limiter) {
    const { success } = await limiter.limit({ key: limitKey(c.get('caller')) });
    if (!success) {
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      throw gatewayRefusal(429, 'Too many requests from this caller; try again later', true);
    }
  }
  await next();
});
