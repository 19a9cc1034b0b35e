import { gatewayRefusal, twilioError } from '../../errors';
import { keyRequired } from '../../send/caller';
import { ACCOUNT } from './examples';
import type { ErrorDoc } from './operation';

/** The statuses of the README's error table (and its Security refusals): what each means, one documented string. */
// biome-ignore format: one line per status, as the table reads
export const ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ['Refused input: a missing or bad field (Twilio\'s rule and code, checked locally, or Twilio\'s own 400), an unknown field, bad JSON, a malformed Idempotency-Key, or no credentials in the request nor in the secrets ("Credentials are required to create a Client").', "[HTTP 400] Unable to create record: A 'From' phone number is required."],
  401: ['Twilio refused the credentials (wrong token), or the caller key is missing or wrong (gateway).', keyRequired().text],
  403: ["Twilio's 403, or the gateway's destination guard: a `to` or dialled TwiML outside ALLOWED_DESTINATIONS, or a body over MAX_SEGMENTS.", "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations"],
  404: ['The account SID is not AC + 32 hex digits (checked locally) or Twilio does not know it; or no such route.', '[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/AC5f37acb25ffaeb498a78/Messages.json was not found'],
  409: ['An earlier request with this Idempotency-Key has an outcome that was lost: it is not sent again.', '[HTTP 409] Refused by the gateway: A request with this Idempotency-Key was started and its outcome is unknown; it is not sent again'],
  413: ['The request body is over 64 KB.', '[HTTP 413] Refused by the gateway: The request body is over 64 KB'],
  415: ['The body is neither JSON nor a form.', '[HTTP 415] Unable to create record: Content-Type must be application/json or application/x-www-form-urlencoded'],
  422: ['This Idempotency-Key was already used with a different request.', '[HTTP 422] Refused by the gateway: This Idempotency-Key was already used with a different request'],
  429: ['Twilio stayed busy through the bounded retries, or this caller is over its rate limit (gateway, with Retry-After).', '[HTTP 429] Unable to create record: Too many requests'],
  '4XX': ["Any other refusal by Twilio, with Twilio's status and message.", "[HTTP 400] Unable to create record: The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."],
  500: ['A setting of the Worker is invalid (the setting is named, never its value), or an unexpected failure.', 'Gateway configuration error: invalid TWILIO_TIMEOUT_MS'],
  501: ['A binding the request needs is missing: Idempotency-Key without the IDEMPOTENCY Durable Object, or Prefer: respond-async without the SENDS queue or the REQUESTS Durable Object.', { idempotency: gatewayRefusal(501, 'Idempotency-Key needs the IDEMPOTENCY Durable Object binding').text, async: gatewayRefusal(501, 'Asynchronous sends need the SENDS and REQUESTS bindings').text }],
  502: ["Twilio answered 5xx (error.status keeps Twilio's status), could not be reached, redirected, or answered garbage.", '[HTTP 502] Unable to create record: Twilio could not be reached'],
  504: ['Twilio did not answer within TWILIO_TIMEOUT_MS. The record may exist: not retryable.', '[HTTP 504] Unable to create record: Twilio did not answer within 10000 ms'],
};

/** Over the rate limit (middleware/rate-limit.ts), as a hook or a record's reader meets it. */
export const RATE_LIMITED = gatewayRefusal(429, 'Too many requests from this caller; try again later', true).text;

/** The 404 of a block that names a record or lists them. */
// biome-ignore format: one line per status, as the table reads
export const RECORD_404: Readonly<Record<string, ErrorDoc>> = {
  404: ["Twilio's 20404: no such Message or Call (an unknown or deleted SID), or the account SID is not AC + 32 hex digits or unknown to Twilio; or no such route.", twilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${ACCOUNT}/Messages/SM${'0123456789abcdef'.repeat(2)}.json was not found`).reframed('fetch record').text],
};

export const SEND_ERRORS = [
  '400',
  '401',
  '403',
  '404',
  '409',
  '413',
  '415',
  '422',
  '429',
  '4XX',
  '500',
  '501',
  '502',
  '504',
];
/** A read block's: no Idempotency-Key (409, 422) nor queue (501) is involved. */
export const READ_ERRORS = SEND_ERRORS.filter((status) => !['409', '422', '501'].includes(status));
