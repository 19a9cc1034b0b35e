import type { Block } from './fields';
import { makeCall } from './make-call';
import { sendMms, sendSms } from './messages';

/** All blocks, in the order of the block doc. Adding a block here adds its route, schema and descriptor. */
export const blocks: readonly Block[] = [makeCall, sendSms, sendMms];

export type { Block, Field, FieldRow, Kind, Requirement, TwilioRule, Value } from './fields';
