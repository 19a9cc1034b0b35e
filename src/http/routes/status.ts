import { Hono } from 'hono/tiny';
import { gatewayRefusal } from '../../errors';
import { STATUS_PATH } from '../../status/track';
import { readUpdate } from '../../status/update';
import type { AppEnv } from '../app-env';
import { limitBody } from '../middleware/body-limit';
import { waitUntilOf } from '../send-context';
import { verifiedWebhook } from '../twilio-webhook';

/**
 * Twilio's status callbacks, `POST /twilio/status` (or GET, for StatusCallbackMethod=GET). HTTP only: the
 * signature (status/verify.ts), the update (status/update.ts) and its record and forward (status/store.ts).
 */
export const statusApi = new Hono<AppEnv>();

statusApi.on(['GET', 'POST'], STATUS_PATH, limitBody, async (c) => {
  const { fields, url } = await verifiedWebhook(c);
  const headers = c.req.raw.headers;
  const update = await readUpdate(fields, headers.get('i-twilio-idempotency-token'));
  if (!update) throw gatewayRefusal(400, 'The callback names no message or call status');
  const namespace = (c.env as Partial<Env> | undefined)?.STATUS;
  if (!namespace) throw gatewayRefusal(501, 'Status callbacks need the STATUS Durable Object binding');
  const store = namespace.get(namespace.idFromName(update.sid));
  const query = new URL(url).searchParams;
  const tracking = { correlationId: query.get('cid') ?? undefined, forward: query.get('forward') ?? undefined };
  const recorded = await store.record(update, tracking);
  // Forwarding never holds up the answer to Twilio: what fails here is retried by the store's alarm.
  if (recorded.pending) waitUntilOf(c)(store.flush());
  return c.json({ sid: update.sid, status: recorded.status, recorded: recorded.recorded });
});
