import { createMiddleware } from 'hono/factory';
import type { Config } from '../../config';
import type { AppEnv } from '../app-env';

/**
 * The one structured JSON log line of a request, written once the answer is known: for every request with
 * LOG_REQUESTS=all, else (the default) for failures and retried sends only. Route, status, the request id,
 * Twilio's status, code and request id, attempts and duration; never a credential, token, phone number or
 * message body.
 */
export const logLine = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const config = c.get('config') as Config | undefined;
  const trace = c.get('twilio');
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
