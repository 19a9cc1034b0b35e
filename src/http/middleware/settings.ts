import { createMiddleware } from 'hono/factory';
import { readConfig } from '../../config';
import type { AppEnv } from '../app-env';

/** The descriptor and the OpenAPI document: they answer while a setting is bad, so a caller can read what is expected. */
const READABLE_UNCONFIGURED = /^\/(api\/twilio\/?|openapi\.json)$/i;

/**
 * The Worker's settings, decoded once per env; a bad setting throws here, before any work, and is answered, but
 * for the descriptor and the OpenAPI document, which then run without a config.
 */
export const settings = createMiddleware<AppEnv>(async (c, next) => {
  try {
    c.set('config', readConfig(c.env ?? {}));
  } catch (err) {
    if (c.req.method !== 'GET' || !READABLE_UNCONFIGURED.test(c.req.path)) throw err;
  }
  await next();
});
