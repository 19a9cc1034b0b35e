import { exampleSid } from '../../twilio/api';
import { RATE_LIMITED } from '../openapi/errors';
import type { ErrorDoc, Route } from '../openapi/operation';
import { badTwilioSignature, noStatus, tooLarge } from '../refusals';

/** The documentation of routes/status.ts, read only by the OpenAPI builder at build time. */

/** What the status receiver answers of its own (routes/status.ts). */
// biome-ignore format: one line per status, as the table reads
export const STATUS_ERRORS: Readonly<Record<string, ErrorDoc>> = {
  400: ['A validly signed callback that names no message or call status (a recording callback, say).', noStatus().text],
  403: ["X-Twilio-Signature is missing or wrong, or the callback names another account than TWILIO_ACCOUNT_SID: nothing is recorded.", badTwilioSignature().text],
  413: ['The body is over 64 KB.', tooLarge().text],
  429: ["Too many refused callbacks from this IP (the rate limit), with Retry-After.", RATE_LIMITED],
};

/** Twilio's status callbacks: POST, or GET for StatusCallbackMethod=GET (routes/status.ts; README "Status callbacks"). */
export const statusRoutes = (['post', 'get'] as const).map(
  (method): Route => ({
    method,
    path: '/twilio/status',
    operationId: method === 'post' ? 'statusCallback' : 'statusCallbackGet',
    summary: method === 'post' ? "Twilio's status callbacks" : "Twilio's status callbacks (StatusCallbackMethod=GET)",
    description:
      "Where Twilio reports a message's or a call's status (TRACK_STATUS gives it to every send). Verified with X-Twilio-Signature under the auth token of the account it names, over the URL as received (or PUBLIC_URL with the path and query); recorded once (I-Twilio-Idempotency-Token) and in order for the reads; forwarded to the caller's statusCallback with Standard Webhooks headers. Twilio only looks at the 2xx.",
    tags: ['status'],
    parameters: [
      { name: 'X-Twilio-Signature', in: 'header', required: true, schema: { type: 'string' } },
      { name: 'I-Twilio-Idempotency-Token', in: 'header', required: false, schema: { type: 'string' } },
      {
        name: 'cid',
        in: 'query',
        required: false,
        description: "The send's correlation id (TRACK_STATUS).",
        schema: { type: 'string' },
      },
      {
        name: 'forward',
        in: 'query',
        required: false,
        description: "The caller's statusCallback, where updates are forwarded (TRACK_STATUS).",
        schema: { type: 'string', format: 'uri' },
      },
      ...(method === 'get'
        ? []
        : [
            {
              name: 'bodySHA256',
              in: 'query',
              required: false,
              description: 'A JSON body: its hex SHA-256.',
              schema: { type: 'string' },
            },
          ]),
    ],
    ...(method === 'post'
      ? {
          bodyContent: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                description:
                  "Twilio's fields: MessageSid and MessageStatus, or CallSid, CallStatus and SequenceNumber; AccountSid; ErrorCode; any other.",
                additionalProperties: { type: 'string' },
              },
            },
          },
        }
      : {}),
    success: {
      description:
        "Recorded (`recorded`: false for a retry, a status already in the history, or a late one the full timeline had no room for); the SID's current status.",
      schema: {
        type: 'object',
        required: ['sid', 'status', 'recorded'],
        properties: { sid: { type: 'string' }, status: { type: 'string' }, recorded: { type: 'boolean' } },
      },
      examples: {
        recorded: {
          summary: 'A delivery receipt',
          value: { sid: exampleSid('SM'), status: 'delivered', recorded: true },
        },
      },
    },
    errors: ['500'],
    ownErrors: STATUS_ERRORS,
  }),
);
