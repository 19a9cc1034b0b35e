import { defineBlock } from './define';
import type { FieldRow, Requirement } from './fields';
import { paging } from './message-records';
import { messageFields } from './messages';

/** The sender an opt-out belongs to (a Twilio number or a Messaging Service) and the person: the message's own fields. */
const pair = {
  from: messageFields.from,
  messagingServiceSid: messageFields.messagingServiceSid,
  // Not the message blocks' example person: an example opt-out must never stop the examples' own sends.
  to: { ...messageFields.to, example: '+14155550199' },
} as const satisfies Record<string, FieldRow>;

const sender: Requirement = {
  anyOf: ['from', 'messagingServiceSid'],
  code: null,
  message: "The sender is required: 'from' (a Twilio number) or 'messagingServiceSid'.",
};
const person: Requirement = { anyOf: ['to'], code: null, message: "The person's number 'to' is required." };

/** Read the opt-outs of a sender. */
export const listOptOuts = defineBlock({
  name: 'listOptOuts',
  title: 'List opt-outs',
  description:
    "List the people who opted out of a sender (STOP), by number, a page at a time; with 'to', that person only.",
  resource: 'OptOuts',
  action: 'list',
  fields: {
    ...pair,
    to: { ...pair.to, description: 'Only this person.' },
    pageSize: paging.pageSize,
    pageToken: paging.pageToken,
  },
  requires: [sender],
});

/** Opt a person out of a sender by hand. */
export const addOptOut = defineBlock({
  name: 'addOptOut',
  title: 'Add an opt-out',
  description: 'Record that a person opted out of a sender: sends from it to them are refused with 21610.',
  resource: 'OptOuts',
  action: 'create',
  fields: pair,
  requires: [sender, person],
});

/** Opt a person back in by hand. */
export const removeOptOut = defineBlock({
  name: 'removeOptOut',
  title: 'Remove an opt-out',
  description: 'Remove a person from the opt-outs of a sender, only with their consent: sends to them go out again.',
  resource: 'OptOuts',
  action: 'delete',
  fields: pair,
  requires: [sender, person],
});
