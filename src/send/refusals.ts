import { gatewayRefusal } from '../errors';

/**
 * The send pipeline's documented refusals, each one constructor: guard.ts and idempotency.ts throw them, and
 * the OpenAPI document's error tables are built from them.
 */

/** A `to` outside ALLOWED_DESTINATIONS. */
export const notAllowedDestination = () => gatewayRefusal(403, "The 'To' number is not among the allowed destinations");

/** An Idempotency-Key used before with another request. */
export const idempotencyConflict = () =>
  gatewayRefusal(422, 'This Idempotency-Key was already used with a different request').hinted(
    'Use a new Idempotency-Key for a new request: one key is one request, kept 24 hours.',
  );

/** An Idempotency-Key whose earlier send's outcome was lost: not sent again. */
export const unknownOutcome = () =>
  gatewayRefusal(
    409,
    'A request with this Idempotency-Key was started and its outcome is unknown; it is not sent again',
  );

/** An opt-out block on a Worker without the OPT_OUT_STORE binding. */
export const noOptOutStore = () => gatewayRefusal(501, 'Opt-outs need the OPT_OUT_STORE Durable Object binding');

/** An opt-out block whose sender has an `@` (it would name another sender's regional copy). */
export const notASender = () =>
  gatewayRefusal(400, "An opt-out's sender ('from' or 'messagingServiceSid') cannot contain @").hinted(
    'Name the sender as Twilio does: a number such as +15005550006, a channel address, or a Messaging Service SID.',
  );

/** listInbound (or an inbound webhook) on a Worker without the INBOX binding. */
export const noInbox = () => gatewayRefusal(501, 'Inbound messages need the INBOX Durable Object binding');
