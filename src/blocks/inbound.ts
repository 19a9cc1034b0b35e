import { defineBlock } from './define';
import { address, date, type FieldRow } from './fields';
import { paging } from './message-records';

/** The filters and paging of listInbound. */
// biome-ignore format: a block table keeps one line per field
const fields = {
  to: address('The Twilio number (or channel address) that received the messages.', { example: '+15005550006' }),
  from: address('Only messages from this person.', { example: '+14155550100' }),
  receivedAfter: date('Received on or after this day or time.'),
  receivedBefore: date('Received before this day or time.'),
  pageSize: paging.pageSize,
  pageToken: paging.pageToken,
} as const satisfies Record<string, FieldRow>;

/** Read what a number received (POST /twilio/messages kept it; docs/inbound.md). */
export const listInbound = defineBlock({
  name: 'listInbound',
  title: 'List inbound messages',
  description:
    'List the messages a Twilio number received, newest first, a page at a time, kept for INBOUND_RETENTION_DAYS.',
  resource: 'Inbound',
  action: 'list',
  fields,
  requires: [{ anyOf: ['to'], code: null, message: "The receiving number 'to' is required." }],
});
