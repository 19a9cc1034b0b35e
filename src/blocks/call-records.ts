import { RECORD_PREFIX } from '../twilio/api';
import { defineBlock } from './define';
import { address, choice, credentials, date, type FieldRow, recordSid, sid, sidRequired } from './fields';
import { callFields } from './make-call';
import { paging } from './message-records';

/** The record a block names: Twilio's path parameter `Sid`. */
const callSid = recordSid(RECORD_PREFIX.Calls, 'The Call SID.');
const one = { ...credentials, sid: callSid } as const satisfies Record<string, FieldRow>;

/** Twilio's call statuses, as a list filter. */
const statuses = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;

/** Fetch one call. */
export const getCall = defineBlock({
  name: 'getCall',
  title: 'Get a call',
  description: 'Fetch a call and its status now.',
  resource: 'Calls',
  action: 'fetch',
  fields: one,
  requires: sidRequired,
});

/** Every filter and paging parameter of Twilio's ListCall (13), under its camelCase name. One line each. */
// biome-ignore format: a block table keeps one line per field
const listFields = {
  ...credentials,
  to: address('Made to this number or address.'),
  from: address('Made from this number or client.', { example: '+15005550006' }),
  parentCallSid: sid('CA', 'Spawned by this call.'),
  status: choice(statuses, 'With this status.'),
  startTime: date('Started on this day (YYYY-MM-DD) or time.'),
  startTimeBefore: date('Started before this day or time.', { key: 'StartTime<' }),
  startTimeAfter: date('Started on or after this day or time.', { key: 'StartTime>' }),
  endTime: date('Ended on this day (YYYY-MM-DD) or time.'),
  endTimeBefore: date('Ended before this day or time.', { key: 'EndTime<' }),
  endTimeAfter: date('Ended on or after this day or time.', { key: 'EndTime>' }),
  ...paging,
} as const satisfies Record<string, FieldRow>;

/** List calls. */
export const listCalls = defineBlock({
  name: 'listCalls',
  title: 'List calls',
  description: 'List calls, newest first, a page at a time.',
  resource: 'Calls',
  action: 'list',
  fields: listFields,
  requires: [],
});

const { url, method, fallbackUrl, fallbackMethod, statusCallback, statusCallbackMethod, twiml, timeLimit } = callFields;

/** Every parameter of Twilio's UpdateCall (10), under its camelCase name: the rows makeCall has, and status. */
// biome-ignore format: a block table keeps one line per field
const updateFields = {
  ...one,
  url,
  method,
  status: choice(['completed', 'canceled'], 'completed hangs up; canceled ends a queued or ringing call.'),
  fallbackUrl,
  fallbackMethod,
  statusCallback,
  statusCallbackMethod,
  twiml,
  timeLimit,
} as const satisfies Record<string, FieldRow>;

/** Hang up, cancel or redirect a call. */
export const updateCall = defineBlock({
  name: 'updateCall',
  title: 'Update a call',
  description: 'Hang up, cancel or redirect (url, twiml) a call.',
  resource: 'Calls',
  action: 'update',
  fields: updateFields,
  requires: sidRequired,
});

/** Delete a call. */
export const deleteCall = defineBlock({
  name: 'deleteCall',
  title: 'Delete a call',
  description: 'Delete an ended call.',
  resource: 'Calls',
  action: 'delete',
  fields: one,
  requires: sidRequired,
});
