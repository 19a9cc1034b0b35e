import { createMiddleware } from 'hono/factory';
import { readConfig } from '../../config';
import type { AppEnv } from '../app-env';

/** The Worker's settings, decoded once per env; a bad setting throws here, before any work, and is answered. */
export const settings = createMiddleware<AppEnv>(async (c, next) => {
  c.set('config', readConfig(c.env ?? {}));
  await next();
});
