import { exampleSid, RECORD_PREFIX } from '../twilio/api';
import { defineBlock } from './define';
import { address, credentials, date, type FieldRow, integer, recordSid, sidRequired, text } from './fields';

/** The record a block names: Twilio's path parameter `Sid`. */
const sid = recordSid(RECORD_PREFIX.Messages, 'The Message SID.');
const one = { ...credentials, sid } as const satisfies Record<string, FieldRow>;

/** Paging of a list, as Twilio's ListMessage and ListCall take it. */
// biome-ignore format: a block table keeps one line per field
export const paging = {
  pageSize: integer('Records per page (1 to 1000, default 50).', { min: 1, max: 1000, example: 20 }),
  page: integer('The page number, from 0 (next page: page + 1).', { min: 0, example: 0 }),
  pageToken: text("A list answer's nextPageToken.", { max: 256, example: `PA${exampleSid('SM')}` }),
} as const satisfies Record<string, FieldRow>;

/** Fetch one message. */
export const getMessage = defineBlock({
  name: 'getMessage',
  title: 'Get a message',
  description: 'Fetch a message and its status now.',
  resource: 'Messages',
  action: 'fetch',
  fields: one,
  requires: sidRequired,
});

/** Every filter and paging parameter of Twilio's ListMessage (8), under its camelCase name. One line each. */
// biome-ignore format: a block table keeps one line per field
const listFields = {
  ...credentials,
  to: address('Sent to this number.'),
  from: address('Sent from this number.', { example: '+15005550006' }),
  dateSent: date('Sent on this day (YYYY-MM-DD) or time.'),
  dateSentBefore: date('Sent before this day or time.', { key: 'DateSent<' }),
  dateSentAfter: date('Sent on or after this day or time.', { key: 'DateSent>' }),
  ...paging,
} as const satisfies Record<string, FieldRow>;

/** List messages. */
export const listMessages = defineBlock({
  name: 'listMessages',
  title: 'List messages',
  description: 'List messages, newest first, a page at a time.',
  resource: 'Messages',
  action: 'list',
  fields: listFields,
  requires: [],
});

/** Cancel a scheduled message: UpdateMessage with Status=canceled. */
export const cancelMessage = defineBlock({
  name: 'cancelMessage',
  title: 'Cancel a scheduled message',
  description: 'Cancel a scheduled message before it is sent.',
  resource: 'Messages',
  action: 'update',
  fixed: { Status: 'canceled' },
  fields: one,
  requires: sidRequired,
});

/** Redact a message: UpdateMessage with an empty Body. */
export const redactMessage = defineBlock({
  name: 'redactMessage',
  title: 'Redact a message',
  description: "Empty a sent message's body.",
  resource: 'Messages',
  action: 'update',
  fixed: { Body: '' },
  fields: one,
  requires: sidRequired,
});

/** Delete a message. */
export const deleteMessage = defineBlock({
  name: 'deleteMessage',
  title: 'Delete a message',
  description: 'Delete a message that is no longer being sent.',
  resource: 'Messages',
  action: 'delete',
  fields: one,
  requires: sidRequired,
});
