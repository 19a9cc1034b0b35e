import type { Action } from '../../twilio/operations';
import type { Schema } from './operation';

const EXAMPLE = { to: '+14155550100', at: '2026-12-07T13:00:00.000Z', via: 'keyword' };
const address = { type: 'string', description: "The person's number or channel address." };
const sender = { type: 'string', description: 'The Twilio number or Messaging Service the opt-out belongs to.' };
const optOut: Schema = {
  type: 'object',
  properties: {
    to: address,
    at: { type: 'string', format: 'date-time', description: 'When it was recorded.' },
    via: {
      enum: ['keyword', 'twilio-21610', 'manual'],
      description: "A keyword the person sent, Twilio's own 21610 answer, or addOptOut.",
    },
  },
  required: ['to', 'at', 'via'],
};

/** The OpenAPI schemas of the opt-out blocks' answers (blocks/opt-outs.ts, send/opt-outs.ts). */
export const OPT_OUT_SCHEMAS: Readonly<Record<string, Schema>> = {
  OptOut: {
    ...optOut,
    description: 'A person opted out of a sender: sends from it to them are refused with 21610.',
    properties: { sender, ...(optOut.properties as Schema), optedOut: { const: true } },
    required: ['sender', 'to', 'at', 'via', 'optedOut'],
    examples: [{ sender: '+15005550006', ...EXAMPLE, optedOut: true }],
  },
  OptOutPage: {
    type: 'object',
    description: 'A page of the opt-outs of a sender, by address. The next page: pageToken = nextPageToken.',
    properties: {
      sender,
      optOuts: { type: 'array', items: optOut },
      nextPageToken: { type: ['string', 'null'] },
    },
    required: ['sender', 'optOuts', 'nextPageToken'],
    examples: [{ sender: '+15005550006', optOuts: [EXAMPLE], nextPageToken: null }],
  },
  InboundPage: {
    type: 'object',
    description: 'A page of the messages a number received, newest first. The next page: pageToken = nextPageToken.',
    properties: {
      to: { type: 'string', description: 'The number that received them.' },
      messages: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            sid: { type: 'string' },
            kind: { const: 'message' },
            from: { type: 'string' },
            to: { type: 'string' },
            body: { type: ['string', 'null'] },
            messagingServiceSid: { type: ['string', 'null'] },
            receivedAt: { type: 'string', format: 'date-time' },
            fields: {
              type: 'object',
              additionalProperties: { type: 'string' },
              description: 'Every field Twilio sent.',
            },
          },
          required: ['sid', 'kind', 'from', 'to', 'body', 'messagingServiceSid', 'receivedAt', 'fields'],
        },
      },
      nextPageToken: { type: ['string', 'null'] },
    },
    required: ['to', 'messages', 'nextPageToken'],
    examples: [{ to: '+15005550006', messages: [], nextPageToken: null }],
  },
  OptOutRemoved: {
    type: 'object',
    description: 'The person is no longer opted out of the sender; removed says whether they were.',
    properties: { sender, to: address, optedOut: { const: false }, removed: { type: 'boolean' } },
    required: ['sender', 'to', 'optedOut', 'removed'],
    examples: [{ sender: '+15005550006', to: '+14155550100', optedOut: false, removed: true }],
  },
};

/** What a block on the gateway's own records answers in `contextWrites.to` (the opt-outs, listInbound). */
export function optOutAnswer(action: Action, resource = 'OptOuts'): { readonly schema: string; readonly what: string } {
  if (resource === 'Inbound') return { schema: 'InboundPage', what: 'A page of inbound messages.' };
  if (action === 'list') return { schema: 'OptOutPage', what: 'A page of opt-outs.' };
  if (action === 'create') return { schema: 'OptOut', what: 'The opt-out, recorded.' };
  return { schema: 'OptOutRemoved', what: 'The opt-out, removed.' };
}
