import { Hono } from 'hono/tiny';
import { gatewayRefusal } from '../../errors';
import { callingCode } from '../../metrics';
import { pendingIndex } from '../../status/pending';
import { isFinal } from '../../status/rank';
import { STATUS_PATH } from '../../status/track';
import { readUpdate } from '../../status/update';
import type { AppEnv } from '../app-env';
import { limitBody } from '../middleware/body-limit';
import { limit } from '../middleware/rate-limit';
import { noStatus } from '../refusals';
import { waitUntilOf } from '../send-context';
import { verifiedWebhook } from '../twilio-webhook';

/**
 * Twilio's status callbacks, `POST /twilio/status` (or GET, for StatusCallbackMethod=GET). HTTP only: the
 * signature (status/verify.ts), the update (status/update.ts) and its record and forward (status/store.ts).
 */
export const statusApi = new Hono<AppEnv>();

statusApi.on(['GET', 'POST'], STATUS_PATH, limitBody, async (c) => {
  c.set('metric', { event: 'callback', block: 'status' });
  const { fields, url } = await verifiedWebhook(c);
  const headers = c.req.raw.headers;
  const update = await readUpdate(fields, headers.get('i-twilio-idempotency-token'));
  if (!update) throw noStatus();
  const query = new URL(url).searchParams;
  const correlationId = query.get('cid');
  if (!correlationId) {
    // Not a URL the gateway gave Twilio (status/track.ts puts a `cid` in every one): a SID it never sent. Nothing is
    // stored, so a flood makes no records, and it counts against its IP as a refused callback does.
    await limit(c, `ip:${headers.get('cf-connecting-ip')}`);
    return c.json({ sid: update.sid, status: update.status, recorded: false });
  }
  const namespace = (c.env as Partial<Env> | undefined)?.STATUS;
  if (!namespace) throw gatewayRefusal(501, 'Status callbacks need the STATUS Durable Object binding');
  const store = namespace.get(namespace.idFromName(update.sid));
  const tracking = { correlationId, forward: query.get('forward') ?? undefined };
  const recorded = await store.record(update, tracking);
  const country = callingCode(update.fields.To);
  c.set('metric', {
    event: 'callback',
    block: `${update.kind}.status`,
    outcome: recorded.recorded ? update.status : 'duplicate',
    country,
  });
  // Forwarding never holds up the answer to Twilio: what fails here is retried by the store's alarm.
  if (recorded.pending) waitUntilOf(c)(store.flush());
  // A final status settles the SID: reconciliation has nothing left to fetch for it.
  const index = isFinal(recorded.status) ? pendingIndex(c.env) : undefined;
  if (index) waitUntilOf(c)(index.done(update.sid).catch(() => {}));
  return c.json({ sid: update.sid, status: recorded.status, recorded: recorded.recorded });
});
