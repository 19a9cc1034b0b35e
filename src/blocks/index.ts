import { deleteCall, getCall, listCalls, updateCall } from './call-records';
import type { Block } from './fields';
import { listInbound } from './inbound';
import { makeCall } from './make-call';
import { cancelMessage, deleteMessage, getMessage, listMessages, redactMessage } from './message-records';
import { sendMms, sendSms } from './messages';
import { addOptOut, listOptOuts, removeOptOut } from './opt-outs';

/**
 * All blocks: the block doc's three, then reading and changing records. Adding a block here adds its route,
 * schema and descriptor.
 */
export const blocks: readonly Block[] = [
  makeCall,
  sendSms,
  sendMms,
  getMessage,
  listMessages,
  cancelMessage,
  redactMessage,
  deleteMessage,
  getCall,
  listCalls,
  updateCall,
  deleteCall,
  listOptOuts,
  addOptOut,
  removeOptOut,
  listInbound,
];

/** True for a resource the gateway answers from its own records (the opt-outs, listInbound): never Twilio's. */
export const isOwnResource = (resource: Block['resource']): resource is 'OptOuts' | 'Inbound' =>
  resource === 'OptOuts' || resource === 'Inbound';

/** True for a block the gateway answers from its own records: it never calls Twilio. */
export const isOwnRecord = (block: Block) => isOwnResource(block.resource);

/** REST-style GET aliases of the reads, under `/api/Twilio`: the path's `:sid` and the query are the block's input. */
export const readAliases: readonly (readonly [path: string, block: Block])[] = [
  ['/messages', listMessages],
  ['/messages/:sid', getMessage],
  ['/calls', listCalls],
  ['/calls/:sid', getCall],
  ['/inbound', listInbound],
];

export type { Block, Field, FieldRow, Kind, Requirement, TwilioRule, Value } from './fields';
