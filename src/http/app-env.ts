import type { Config } from '../config';
import type { GatewayError } from '../errors';
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
    /** The failure the error mapping answered, for the metrics. */
    error: GatewayError;
    /** What Twilio's side of the request looked like, for the log line. */
    twilio: TwilioTrace;
    /** Who is calling (middleware/caller.ts). */
    caller: Caller;
    /** What the request's metrics data point is about (middleware/data-point.ts writes it); unset: none is written. */
    metric: Metric;
  };
}

/** What a route says of its request for the metrics data point; middleware/data-point.ts adds the outcome. */
export interface Metric {
  readonly event: 'send' | 'callback';
  readonly block: string;
  /** The destination's calling code (metrics.ts callingCode), once the input is known. */
  readonly country?: string;
  /** A callback's recorded status. */
  readonly outcome?: string;
}
