import type { BlockInput } from './blocks/schema';
import type { CallerVariables } from './middleware/caller';
import type { ConfigVariables } from './middleware/config';
import type { LogVariables } from './middleware/request-log';

/** Hono's typing of this app: the Worker's bindings and what middleware leaves for handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: ConfigVariables & LogVariables & CallerVariables & { input: BlockInput };
}
