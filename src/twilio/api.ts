/**
 * Facts of Twilio's REST API, written once: the API version and paths, and SID shapes. The client, the error mapping, the sandbox and the block tables read them here.
 */

import { hex } from './encoding';

/** The API version every path starts with. */
export const API_VERSION = '2010-04-01';

/** The collections a send creates a record in. */
export const RESOURCES = ['Messages', 'Calls'] as const;
export type Resource = (typeof RESOURCES)[number];

/** The path of a collection of an account: `/2010-04-01/Accounts/{sid}/{resource}.json`. */
export function apiPath<A extends string, R extends string>(
  accountSid: A,
  resource: R,
): `/${typeof API_VERSION}/Accounts/${A}/${R}.json` {
  return `/${API_VERSION}/Accounts/${accountSid}/${resource}.json`;
}

/** A SID: its two-letter prefix (or an alternation such as `SM|MM`) and 32 hex digits. */
export function sidPattern(prefix: string): RegExp {
  return new RegExp(`^(?:${prefix})[0-9a-fA-F]{32}$`);
}

/** The SID prefix of each collection's records (a Message is SM, or MM for an MMS). */
export const RECORD_PREFIX: { readonly [R in Resource]: string } = { Messages: 'SM|MM', Calls: 'CA' };

/** A phone number in E.164: `+`, a country code, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** An account SID. */
export const ACCOUNT_SID = sidPattern('AC');

/** The SID the documentation shows for `prefix`: the prefix and 0123456789abcdef twice. */
export const exampleSid = (prefix: string) => `${prefix}${'0123456789abcdef'.repeat(2)}`;

/** `prefix` + 32 random hex digits, as Twilio's SIDs are. */
export function newSid(prefix: string): string {
  return prefix + hex(crypto.getRandomValues(new Uint8Array(16)));
}
