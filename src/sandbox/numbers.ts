/**
 * What only Twilio checks, and the block tables cannot: address shapes (E.164, short codes, alphanumeric
 * sender IDs, channel addresses, SIP and client identifiers) and the magic numbers of Twilio's test
 * credentials. Each check answers Twilio's code and message, or undefined when the value passes.
 */

import { E164 } from '../twilio/api';

/** Twilio's answer to a request it refuses: its code and message (HTTP status 400 unless stated). */
export interface Refusal {
  readonly code: number;
  readonly message: string;
  readonly status?: number;
}

const SHORT_CODE = /^\d{3,8}$/;
const ALPHANUMERIC = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
/** Channels whose address is a phone number (`whatsapp:+15005550006`). */
const PHONE_CHANNELS = new Set(['whatsapp', 'sms', 'mms']);
/** Channels whose address is an opaque id (`messenger:1234`, `rcs:brand_agent`). */
const ID_CHANNELS = new Set(['messenger', 'rcs', 'fbm', 'line', 'apple', 'kakao', 'viber', 'telegram', 'wechat']);
const CHANNEL_ID = /^[\w.+@-]{1,128}$/;
const SIP = /^sips?:[^\s@]+@[^\s@]+$/i;
const CLIENT = /^client:[\w.@-]{1,256}$/;

/** The phone number inside an address: `whatsapp:+1500…` gives `+1500…`; a plain number is itself. */
export function phoneOf(address: string): string {
  const colon = address.indexOf(':');
  return colon >= 0 && PHONE_CHANNELS.has(address.slice(0, colon).toLowerCase()) ? address.slice(colon + 1) : address;
}

/** True for a channel address (`whatsapp:+E164`, `messenger:<id>` …) Twilio accepts as a message endpoint. */
function isChannelAddress(address: string): boolean {
  const colon = address.indexOf(':');
  if (colon < 0) return false;
  const channel = address.slice(0, colon).toLowerCase();
  const rest = address.slice(colon + 1);
  if (PHONE_CHANNELS.has(channel)) return E164.test(rest);
  return ID_CHANNELS.has(channel) && CHANNEL_ID.test(rest);
}

const invalidTo = (to: string): Refusal => ({
  code: 21211,
  message: `The 'To' number ${to} is not a valid phone number.`,
});
const invalidFrom = (from: string): Refusal => ({
  code: 21212,
  message: `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
});
const notOwned = (from: string): Refusal => ({
  code: 21606,
  message: `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
});

/** The one From number test credentials may send and call from. */
export const MAGIC_FROM = '+15005550006';

/** Messages: From and To shapes, then the test credentials' magic numbers (From first, then To). */
export function checkMessageAddresses(to: string, from: string | undefined): Refusal | undefined {
  if (!E164.test(to) && !isChannelAddress(to)) return invalidTo(to);
  if (from !== undefined) {
    if (!E164.test(from) && !SHORT_CODE.test(from) && !ALPHANUMERIC.test(from) && !isChannelAddress(from)) {
      return invalidFrom(from);
    }
    switch (phoneOf(from)) {
      case '+15005550001':
        return invalidFrom(from);
      case '+15005550008':
        return { code: 21611, message: "This 'From' number has exceeded the maximum number of queued messages" };
      case MAGIC_FROM:
        break;
      default:
        return notOwned(from);
    }
  }
  switch (phoneOf(to)) {
    case '+15005550001':
      return invalidTo(to);
    case '+15005550002':
      return {
        code: 21612,
        message: `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number: ${from ?? ''} via SMS.`,
      };
    case '+15005550003':
      return {
        code: 21408,
        message: `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`,
      };
    case '+15005550004':
      return { code: 21610, message: 'Attempt to send to unsubscribed recipient' };
    case '+15005550009':
      return { code: 21614, message: "'To' number is not a valid mobile number" };
    default:
      return undefined;
  }
}

/** Calls: To (phone, SIP, client) and From (phone, client) shapes, then the magic numbers (From first). */
export function checkCallAddresses(to: string, from: string): Refusal | undefined {
  if (!E164.test(to) && !SIP.test(to) && !CLIENT.test(to)) return invalidTo(to);
  if (!E164.test(from) && !CLIENT.test(from)) return invalidFrom(from);
  if (from === '+15005550001') return invalidFrom(from);
  if (from !== MAGIC_FROM) {
    return {
      code: 21210,
      message: `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`,
    };
  }
  switch (to) {
    case '+15005550001':
      return { code: 21217, message: 'Phone number does not appear to be valid' };
    case '+15005550002':
      return { code: 21214, message: "'To' phone number cannot be reached" };
    case '+15005550003':
      return {
        code: 21215,
        message: `Account not authorized to call ${to}. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk`,
      };
    case '+15005550004':
      return { code: 21216, message: `Account not allowed to call ${to}` };
    default:
      return undefined;
  }
}

/** Test credentials cannot use a Messaging Service (Twilio's docs); Twilio answers 20008. */
export const NO_MESSAGING_SERVICE: Refusal = {
  code: 20008,
  message: 'Resource not accessible with Test Account Credentials',
  status: 403,
};

/**
 * Delivery outcomes the emulator adds for status callbacks (Twilio's test credentials send none): a To
 * number `+1500555300N` is accepted, then fails delivery with Twilio's error `3000N`.
 */
export const DELIVERY_FAILURES: Readonly<Record<string, { status: 'failed' | 'undelivered'; code: number }>> = {
  '+15005553001': { status: 'failed', code: 30001 },
  '+15005553003': { status: 'undelivered', code: 30003 },
  '+15005553005': { status: 'undelivered', code: 30005 },
  '+15005553006': { status: 'undelivered', code: 30006 },
  '+15005553007': { status: 'undelivered', code: 30007 },
  '+15005553008': { status: 'undelivered', code: 30008 },
};

/**
 * Call endings the emulator adds (Twilio's test credentials have none): a call to `+1500555002N` is accepted,
 * then ends `busy` (SIP 486 Busy Here), `no-answer` after ringing for its Timeout (SIP 487 Request Terminated:
 * Twilio stops ringing) or `failed` (SIP 500), with a duration of 0.
 */
export const CALL_ENDINGS: Readonly<Record<string, { status: 'busy' | 'no-answer' | 'failed'; sip: number }>> = {
  '+15005550020': { status: 'busy', sip: 486 },
  '+15005550021': { status: 'no-answer', sip: 487 },
  '+15005550022': { status: 'failed', sip: 500 },
};
