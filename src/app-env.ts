import type { CallerVariables } from './middleware/caller';
import type { FrameVariables } from './middleware/frame';

/** Hono's typing of this app: the Worker's bindings and what middleware leaves for handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: FrameVariables & CallerVariables;
}
