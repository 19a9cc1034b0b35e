import type { Block } from '../../blocks';
import { sendSms } from '../../blocks/messages';
import { blockParser } from '../../blocks/schema';
import { configError, gatewayTimeout, twilioError } from '../../errors';
import { keyRequired } from '../../send/caller';
import { idempotencyConflict, notAllowedDestination, unknownOutcome } from '../../send/refusals';
import { apiPath, exampleSid } from '../../twilio/api';
import { unreachable } from '../../twilio/client';
import { noAsyncBindings, noIdempotencyStore, rateLimited, tooLarge, unsupportedMediaType } from '../refusals';
import { issueToError } from '../validate';
import { ACCOUNT } from './examples';

/**
 * The error tables of the document, each documented string made by the constructor the code throws (or, for
 * Twilio's own words, the one that frames Twilio's answers), so that no string is copied here.
 */

/** A status's meaning on a route, and its documented string (several, named, where it has several causes). */
export type ErrorDoc = readonly [description: string, example: string | Readonly<Record<string, string>>];

/** The documented string of an input the block refuses, as validation (http/validate.ts) refuses it. */
export function refusalOf(block: Block, input: Record<string, unknown>): string {
  const parsed = blockParser(block).parse(input);
  if (parsed.success) throw new Error(`openapi: ${block.name} accepts ${JSON.stringify(input)}`);
  return issueToError(block, parsed.error.issues).text;
}

/** The statuses of the README's error table (and its Security refusals): what each means, one documented string. */
// biome-ignore format: one line per status, as the table reads
export const ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ['Refused input: a missing or bad field (Twilio\'s rule and code, checked locally, or Twilio\'s own 400), an unknown field, bad JSON, a malformed Idempotency-Key, or no credentials in the request nor in the secrets ("Credentials are required to create a Client").', refusalOf(sendSms, { to: '+14155550100', body: 'Hello' })],
  401: ['Twilio refused the credentials (wrong token), or the caller key is missing or wrong (gateway).', keyRequired().text],
  403: ["Twilio's 403, or the gateway's destination guard: a `to` or dialled TwiML outside ALLOWED_DESTINATIONS, or a body over MAX_SEGMENTS.", notAllowedDestination().text],
  404: ['The account SID is not AC + 32 hex digits (checked locally) or Twilio does not know it; or no such route.', twilioError(404, 20404, `The requested resource ${apiPath('AC5f37acb25ffaeb498a78', 'Messages')} was not found`).text],
  409: ['An earlier request with this Idempotency-Key has an outcome that was lost: it is not sent again.', unknownOutcome().text],
  413: ['The request body is over 64 KB.', tooLarge().text],
  415: ['The body is neither JSON nor a form.', unsupportedMediaType().text],
  422: ['This Idempotency-Key was already used with a different request.', idempotencyConflict().text],
  429: ['Twilio stayed busy through the bounded retries, or this caller is over its rate limit (gateway, with Retry-After).', twilioError(429, 20429, 'Too many requests').text],
  '4XX': ["Any other refusal by Twilio, with Twilio's status and message.", twilioError(400, 21212, "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.").text],
  500: ['A setting of the Worker is invalid (the setting is named, never its value), or an unexpected failure.', configError(['TWILIO_TIMEOUT_MS']).text],
  501: ['A binding the request needs is missing: Idempotency-Key without the IDEMPOTENCY Durable Object, or Prefer: respond-async without the SENDS queue or the REQUESTS Durable Object.', { idempotency: noIdempotencyStore().text, async: noAsyncBindings().text }],
  502: ["Twilio answered 5xx (error.status keeps Twilio's status), could not be reached, redirected, or answered garbage.", unreachable().text],
  504: ['Twilio did not answer within TWILIO_TIMEOUT_MS. The record may exist: not retryable.', gatewayTimeout(10_000).text],
};

/** Over the rate limit (middleware/rate-limit.ts), as a hook or a record's reader meets it. */
export const RATE_LIMITED = rateLimited().text;

/** The 404 of a block that names a record or lists them. */
// biome-ignore format: one line per status, as the table reads
export const RECORD_404: Readonly<Record<string, ErrorDoc>> = {
  404: ["Twilio's 20404: no such Message or Call (an unknown or deleted SID), or the account SID is not AC + 32 hex digits or unknown to Twilio; or no such route.", twilioError(404, 20404, `The requested resource ${apiPath(ACCOUNT, `Messages/${exampleSid('SM')}`)} was not found`).reframed('fetch record').text],
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
