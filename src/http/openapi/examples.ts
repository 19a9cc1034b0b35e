import type { Block } from '../../blocks';
import { sendSms } from '../../blocks/messages';
import { errorBody, twilioError } from '../../errors';
import type { RequestRecord } from '../../send/requests';
import { exampleSid } from '../../twilio/api';
import { decodeResource } from '../../twilio/decode';
import { callResource, messageResource } from '../../twilio/resources';

/** The examples' account. */
export const ACCOUNT = exampleSid('AC');
/** The smallest valid body: the first field of each required group, with its example. */
export function minimalInput(block: Block): Record<string, unknown> {
  return Object.fromEntries(block.requires.map(({ anyOf: [name = ''] }) => [name, block.fields[name]?.example]));
}

/** The examples' now. */
export const NOW = new Date(Date.UTC(2026, 11, 1, 9, 0, 0));

/** A Message as Twilio answers it, for a to, from and body. */
const twilioMessage = (to: string, from: string, body: string) =>
  messageResource({ accountSid: ACCOUNT, to, from, body, mediaUrls: [], now: NOW, sid: exampleSid('SM') });

/** A Message the gateway answers for an input's to, from and body: Twilio's shape (twilio/resources.ts), decoded. */
export const messageOf = (input: Readonly<Record<string, unknown>>) =>
  decodeResource('Messages', twilioMessage(String(input.to), String(input.from), String(input.body)));

/** The example Call, as Twilio answers it. */
export const exampleCall = () =>
  callResource({
    accountSid: ACCOUNT,
    to: '+14155550100',
    from: '+15005550006',
    now: NOW,
    sid: exampleSid('CA'),
  });
/** The example Message, as Twilio answers it. */
export const exampleMessage = () => twilioMessage('+14155550100', '+15005550006', 'Hello from the gateway');

/** A record as `GET /api/Twilio/requests/{id}` shows it (send/requests.ts: `view`, the record without its owner). */
type Shown = Omit<RequestRecord, 'owner'>;

/** The example records: one request's, accepted now (NOW), the consumer done 1.27 s later. */
export const REQUEST_ID = '3f1c2a9e-8b7d-4c6e-9f01-23456789abcd';
const LATER = new Date(NOW.getTime() + 1270).toISOString();
export const accepted = (block: string): Shown => ({
  id: REQUEST_ID,
  status: 'pending',
  block,
  created: NOW.toISOString(),
  updated: NOW.toISOString(),
  attempts: 0,
});
/** Twilio's refusal of a `to` (its 400, code 21211), as the gateway frames it. */
export const invalidTo = (to: string) => twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
const refused = invalidTo('+14155550100');
export const RECORDS: Readonly<Record<string, { readonly summary: string; readonly value: Shown }>> = {
  pending: {
    summary: "Twilio answered 429: retried later, with Twilio's message",
    value: {
      ...accepted('sendSms'),
      updated: LATER,
      attempts: 1,
      lastError: twilioError(429, 20429, 'Too Many Requests').text,
    },
  },
  done: {
    summary: 'Sent: the envelope the send answered',
    value: {
      ...accepted('sendSms'),
      status: 'done',
      updated: LATER,
      attempts: 1,
      result: { callback: 'success', contextWrites: { to: messageOf(minimalInput(sendSms)) } },
    },
  },
  failed: {
    summary: 'Twilio refused it: failed at once (only a 429 is retried), with the error envelope',
    value: {
      ...accepted('sendSms'),
      status: 'failed',
      updated: LATER,
      attempts: 1,
      result: errorBody(refused),
      lastError: refused.text,
    },
  },
};
