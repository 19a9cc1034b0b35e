import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { GatewayError } from '../../errors';
import { metricsOf, type Point } from '../../metrics';
import type { Caller } from '../../send/caller';
import type { TwilioTrace } from '../../send/send';
import type { AppEnv, Metric } from '../app-env';

/** A refusal's reason, by its HTTP status: what docs/observability.md's "refusals by reason" groups by. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-large',
  415: 'unsupported-type',
  422: 'conflict',
  429: 'rate-limited',
  501: 'not-configured',
};

const callerId = (caller: Caller | undefined) => (caller?.kind === 'key' ? caller.id : caller ? 'anonymous' : '');

/**
 * The request's one data point (metrics.ts), when a route named what it is about and the Worker has METRICS: a
 * refusal when Twilio was not asked and the answer is a 4xx (or a missing binding's 501), else the route's event
 * with its outcome (`ok`, `accepted` for a 202, `error`, or the callback's status).
 */
function measure(c: Context<AppEnv>): void {
  const metric = c.get('metric') as Metric | undefined;
  const metrics = metric && metricsOf(c.env);
  if (!metric || !metrics) return;
  const trace = c.get('twilio') as TwilioTrace | undefined;
  // The error's own status, also when ERROR_STATUS=always-200 answered 200.
  const error = c.get('error') as GatewayError | undefined;
  const status = error?.status ?? c.res.status;
  const failed = error !== undefined || c.get('failed') === true;
  const refused = failed && !error?.detail.attempts && (status < 500 || status === 501);
  const point: Point = {
    event: refused ? 'refusal' : metric.event,
    block: metric.block,
    outcome: refused
      ? (REASONS[status] ?? 'refused')
      : failed
        ? 'error'
        : (metric.outcome ?? (status === 202 ? 'accepted' : 'ok')),
    code: failed ? String(error?.detail.code ?? status) : '',
    source: failed ? (error?.detail.source ?? 'gateway') : '',
    status,
    twilioMs: trace?.ms ?? 0,
    country: metric.country ?? '',
    caller: callerId(c.get('caller') as Caller | undefined),
  };
  metrics.write(point);
}

/** Writes the request's metrics data point once the answer is known (see `measure`). */
export const dataPoint = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  measure(c);
});
