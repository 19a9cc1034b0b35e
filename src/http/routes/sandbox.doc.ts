import * as z from 'zod/mini';
import { INBOUND_ANSWER, personSchema } from '../../send/person';
import type { Route } from '../openapi/operation';
import { jsonOf, successOf } from '../openapi/schemas';
import { jsonOnly, notSandbox } from '../refusals';

/** The documentation of routes/sandbox.ts, read only by the OpenAPI builder at build time. */

const { $schema: _, ...personJson } = z.toJSONSchema(personSchema);

const STOP = { from: '+14155550100', to: '+15005550006', body: 'STOP' };

/** The sandbox inbox (routes/sandbox.ts; docs/inbound.md). */
export const sandboxRoutes: readonly Route[] = [
  {
    method: 'post',
    path: '/api/Twilio/sandbox/inbound',
    operationId: 'sandboxInbound',
    summary: 'Sandbox: reply as the recipient',
    description:
      "Sandbox mode only. The emulator acts as the person: it signs Twilio's fields of an incoming message (or, with kind=call, a call) from `from` to your number `to` with the account's token, as Twilio would, and hands them to this Worker's /twilio/messages (/twilio/voice) in-process; the URL signed is that path under PUBLIC_URL when set, as Twilio signs the URL it was given. The Worker verifies and acts on it as on any webhook: a STOP opts the person out of `to`, so the next sendSms to them answers 21610. Answers what the webhook answered (its status, type and TwiML) and the fields posted. It spends the stored credentials: a caller key where the Worker has API_KEYS.",
    tags: ['inbound'],
    bodyContent: { 'application/json': { schema: personJson, example: STOP } },
    success: {
      description: "The webhook's answer and Twilio's fields as the emulator posted them.",
      schema: successOf(jsonOf(INBOUND_ANSWER)),
    },
    errors: ['400', '401', '413', '429', '500'],
    ownErrors: {
      404: ['The Worker sends through Twilio (TWILIO_MODE=live): there is no sandbox inbox.', notSandbox().text],
      415: ['The body is not JSON (Content-Type).', jsonOnly().text],
    },
    keyed: true,
    // Each reply is a new message from the person, as each text they type is.
    idempotent: false,
  },
];
