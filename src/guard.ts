import type { Block } from './blocks';
import type { BlockInput } from './blocks/schema';
import type { Config } from './config';
import { gatewayRefusal } from './errors';
import { segmentCount } from './twilio/segments';

/** Channels whose address carries a phone number (`whatsapp:+44…`): checked by that number. */
const PHONE_CHANNEL = /^(whatsapp|sms|mms):/i;
/** Addresses that are not phone numbers and reach no telephone network: Voice SDK clients, app channels. */
const NOT_A_NUMBER = /^(client|messenger|fbm|rcs|line|apple|kakao|viber|telegram|wechat):/i;

/** True when `address` may be sent to under the list of allowed prefixes (`+1`, `+44`, …). */
function allowed(address: string, prefixes: readonly string[]): boolean {
  const trimmed = address.trim();
  if (NOT_A_NUMBER.test(trimmed)) return true;
  const number = trimmed.replace(PHONE_CHANNEL, '');
  return /^\+\d+$/.test(number) && prefixes.some((prefix) => number.startsWith(prefix));
}

/** The numbers TwiML dials: `<Number>…</Number>`, a bare `<Dial>…</Dial>`, and any `<Sip>` (never allowed). */
function dialled(twiml: string): string[] {
  const numbers: string[] = [];
  for (const match of twiml.matchAll(/<Number\b[^>]*>([^<]*)<\/Number\s*>/gi)) numbers.push(match[1] ?? '');
  for (const match of twiml.matchAll(/<Dial\b[^>]*>([^<]+)<\/Dial\s*>/gi)) numbers.push(match[1] ?? '');
  for (const _ of twiml.matchAll(/<Sip\b/gi)) numbers.push('sip:');
  return numbers;
}

/**
 * The gateway's guard against toll fraud and SMS pumping, run after the credentials and before anything is
 * sent. With ALLOWED_DESTINATIONS, `to` (a channel address by its number) and every number caller-supplied
 * `twiml` dials must start with one of its prefixes; with MAX_SEGMENTS, a body may not take more segments.
 * TwiML fetched from `url` or an Application is the caller's own and is not seen here.
 */
export function guard(block: Block, input: BlockInput, config: Config): void {
  const prefixes = config.ALLOWED_DESTINATIONS;
  if (prefixes) {
    const to = input.to;
    if (typeof to === 'string' && !allowed(to, prefixes)) {
      throw gatewayRefusal(403, "The 'To' number is not among the allowed destinations");
    }
    const twiml = input.twiml;
    if (typeof twiml === 'string' && dialled(twiml).some((number) => !allowed(number, prefixes))) {
      throw gatewayRefusal(403, 'The TwiML dials a number that is not among the allowed destinations');
    }
  }
  const body = input.body;
  if (config.MAX_SEGMENTS !== undefined && block.resource === 'Messages' && typeof body === 'string') {
    const segments = segmentCount(body);
    if (segments > config.MAX_SEGMENTS) {
      throw gatewayRefusal(403, `The body takes ${segments} segments; at most ${config.MAX_SEGMENTS} are allowed`);
    }
  }
}
