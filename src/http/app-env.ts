import type { Config } from '../config';
import type { Caller } from '../send/caller';
import type { TwilioTrace } from '../send/send';

/** Hono's typing of this app: the Worker's bindings and what middleware leaves for handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    /** Set by the error mapping and the not-found answer. */
    failed: boolean;
    /** What Twilio's side of the request looked like, for the log line. */
    twilio: TwilioTrace;
    /** Who is calling (middleware/caller.ts). */
    caller: Caller;
  };
}
