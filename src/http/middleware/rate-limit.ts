import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Caller } from '../../send/caller';
import type { AppEnv } from '../app-env';
import { rateLimited } from '../refusals';

/** Seconds a refused caller is told to wait: the longest period the rate-limit binding allows (wrangler.toml). */
const RETRY_AFTER_SECONDS = 60;

/** The rate-limit key of a caller: its key's id, or its IP when it has none. */
const limitKey = (caller: Caller) => (caller.kind === 'key' ? caller.id : `ip:${caller.ip}`);

/**
 * Counts one request against `key` with the Workers rate-limiting binding RATE_LIMITER (`[[ratelimits]]` in
 * wrangler.toml); over the limit it throws the 429 envelope with Retry-After. A Worker deployed without the
 * binding is not limited.
 */
export async function limit(c: Pick<Context<{ Bindings: Env }>, 'env' | 'header'>, key: string): Promise<void> {
  const limiter = (c.env as Partial<Env> | undefined)?.RATE_LIMITER;
  if (!limiter) return;
  const { success } = await limiter.limit({ key });
  if (!success) {
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    throw rateLimited().hinted(
      `Wait ${RETRY_AFTER_SECONDS} seconds (Retry-After) and send again; with an Idempotency-Key a retry never sends twice.`,
    );
  }
}

/** Per-caller rate limit: per key, or per client IP for a caller without one. Twilio is not called over it. */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  await limit(c, limitKey(c.get('caller')));
  await next();
});
