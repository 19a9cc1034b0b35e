import { badRequest, gatewayRefusal } from '../errors';
import { MAX_BODY_BYTES } from '../limits/body';

/**
 * The HTTP layer's documented refusals, each one constructor: the routes and middleware throw them, and the
 * OpenAPI document's error tables are built from them, so that a string lives in one place.
 */

/** No route for this method and path (app.ts's notFound; an unknown recipe or record). */
export const noRoute = (method: string, path: string) => badRequest(`No route for ${method} ${path}`, 404);

/** A route that exists, asked with a method it does not take (app.ts's notFound, with Allow). */
export const methodNotAllowed = (method: string, path: string) =>
  badRequest(`Method ${method} is not allowed for ${path}`, 405);

/** The sandbox inbox (routes/sandbox.ts) on a Worker that sends through Twilio. */
export const notSandbox = () =>
  gatewayRefusal(404, 'The sandbox inbox answers in sandbox mode only (TWILIO_MODE=sandbox)');

/** A body that is neither JSON nor a form, for a block. */
export const unsupportedMediaType = () =>
  badRequest('Content-Type must be application/json or application/x-www-form-urlencoded', 415);

/** A body over MAX_BODY_BYTES. */
export const tooLarge = () => gatewayRefusal(413, `The request body is over ${MAX_BODY_BYTES / 1024} KB`);

/** Over the rate limit (middleware/rate-limit.ts). */
export const rateLimited = () => gatewayRefusal(429, 'Too many requests from this caller; try again later', true);

/** Idempotency-Key on a Worker without the IDEMPOTENCY binding. */
export const noIdempotencyStore = () =>
  gatewayRefusal(501, 'Idempotency-Key needs the IDEMPOTENCY Durable Object binding');

/** An asynchronous send on a Worker without the SENDS queue or the REQUESTS binding. */
export const noAsyncBindings = () => gatewayRefusal(501, 'Asynchronous sends need the SENDS and REQUESTS bindings');

/** A body that is not JSON, for a route that takes JSON only (the sandbox inbox). */
export const jsonOnly = () => badRequest('Content-Type must be application/json', 415);

/** A hook's body that is neither JSON nor a form. */
export const notJsonNorForm = () => badRequest('The body is neither JSON nor a form');

/** A hook whose recipe's eventId rendered empty. */
export const emptyEventId = () => badRequest("The recipe's eventId rendered empty");

/** A hook's signature under its recipe's scheme, missing, wrong or stale. */
export const badHookSignature = (scheme: string | undefined) =>
  gatewayRefusal(401, `The webhook's ${scheme} signature is missing, wrong or out of date`);

/** A status callback without a valid X-Twilio-Signature. */
export const badTwilioSignature = () => gatewayRefusal(403, 'The X-Twilio-Signature is missing or wrong');

/** A validly signed status callback that names no message or call status. */
export const noStatus = () => gatewayRefusal(400, 'The callback names no message or call status');
