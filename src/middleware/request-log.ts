import { createMiddleware } from 'hono/factory';
import type { RequestIdVariables } from 'hono/request-id';
import type { Config } from '../config';
import type { TwilioTrace } from '../send';

/** What a request's handling leaves for its log line. */
export interface LogVariables extends RequestIdVariables {
  config: Config;
  /** Set by the error mapping and the not-found answer. */
  failed: boolean;
  twilio: TwilioTrace;
}

/**
 * The one structured JSON log line of a request, written once the answer is known: for every request with
 * LOG_REQUESTS=all, else (the default) for failures and retried sends only. Route, status, the request id,
 * Twilio's status, code and request id, attempts and duration; never a credential, token, phone number or
 * message body.
 */
export const requestLog = createMiddleware<{ Variables: LogVariables }>(async (c, next) => {
  const started = Date.now();
  await next();
  const trace = c.get('twilio') as TwilioTrace | undefined;
  const config = c.get('config') as Config | undefined;
  if (config?.LOG_REQUESTS !== 'all' && !c.get('failed') && (trace?.attempts ?? 0) <= 1) return;
  console.log(
    JSON.stringify({
      route: `${c.req.method} ${c.req.path.slice(0, 128)}`,
      status: c.res.status,
      requestId: c.get('requestId'),
      twilioStatus: trace?.status ?? null,
      twilioCode: trace?.code ?? null,
      twilioRequestId: trace?.requestId ?? null,
      attempts: trace?.attempts ?? 0,
      durationMs: Date.now() - started,
    }),
  );
});
