import { unnamedWebhook } from '../../inbound/refusals';
import type { Route } from '../openapi/operation';
import { STATUS_ERRORS } from './status.doc';

/** The documentation of routes/inbound.ts, read only by the OpenAPI builder at build time. */

/** Twilio's webhooks of the owner's numbers (routes/inbound.ts; docs/inbound.md): verified as the status callbacks are. */
export const inboundRoutes = (
  [
    [
      '/twilio/messages',
      'inboundMessage',
      "Twilio's incoming-message webhook",
      "An SMS, MMS or WhatsApp message to one of the owner's numbers. A keyword (the whole trimmed body, any case: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; START, YES, UNSTOP) opts the person out of, or back into, the number and its Messaging Service before the answer; HELP and INFO answer INBOUND's help text. Recorded once per MessageSid (Twilio's retries act once); then INBOUND's action for the number: none, reply (a <Message> template), forward (a Standard Webhooks-signed message.received event), recipe (a recipe of RECIPES, after the answer).",
      'message',
    ],
    [
      '/twilio/voice',
      'inboundCall',
      "Twilio's incoming-call webhook",
      "A call to one of the owner's numbers. Recorded once per CallSid; then INBOUND's voice action for the number: say (a <Say> template), play (<Play> a URL), dial (<Dial> a number the destination guard allows; else nothing, and the call ends), forward (a Standard Webhooks-signed call.received event). Unset: an empty Response.",
      'call',
    ],
  ] as const
).map(
  ([path, operationId, summary, description, kind]): Route => ({
    method: 'post',
    path,
    operationId,
    summary,
    description,
    tags: ['inbound'],
    parameters: [
      { name: 'X-Twilio-Signature', in: 'header', required: true, schema: { type: 'string' } },
      { name: 'I-Twilio-Idempotency-Token', in: 'header', required: false, schema: { type: 'string' } },
    ],
    bodyContent: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          description: "Twilio's fields, as Twilio sends them.",
          additionalProperties: { type: 'string' },
        },
      },
    },
    success: {
      description: 'TwiML: every value read from the message is escaped.',
      mediaType: 'text/xml',
      schema: { type: 'string', examples: ['<?xml version="1.0" encoding="UTF-8"?><Response></Response>'] },
      headers: [],
    },
    errors: ['500'],
    ownErrors: {
      ...STATUS_ERRORS,
      400: [`A validly signed webhook that names no ${kind} SID, From and To.`, unnamedWebhook(kind).text],
    },
  }),
);
