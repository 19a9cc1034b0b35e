import { createMiddleware } from 'hono/factory';
import { type Config, readConfig } from '../config';

/** Variables the config middleware leaves. */
export interface ConfigVariables {
  config: Config;
}

/** Decodes the Worker's settings once per env (config.ts); a bad setting fails the request here, before any work. */
export const withConfig = createMiddleware<{ Bindings: Env; Variables: ConfigVariables }>(async (c, next) => {
  c.set('config', readConfig(c.env ?? {}));
  await next();
});
