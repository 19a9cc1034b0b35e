import type { Block } from '../blocks';
import type { BlockInput } from '../blocks/schema';
import type { Config } from '../config';
import { gatewayRefusal } from '../errors';
import { OPERATIONS } from '../twilio/operations';
import { segmentCount } from '../twilio/segments';
import { inNanpRegion, NANP_REGIONS } from './nanp';
import { notAllowedDestination } from './refusals';

/** Addresses that are not phone numbers and reach no telephone network: Voice SDK clients, app channel ids. */
const NOT_A_NUMBER = /^(client|messenger|fbm|rcs|line|apple|kakao|viber|telegram|wechat):(?!\s*\+)/i;

/** True when the Worker may reach `address`: ALLOWED_DESTINATIONS is unset, or it names its prefix or region. */
export const reachable = (address: string, config: Config) =>
  !config.ALLOWED_DESTINATIONS || allowed(address, config.ALLOWED_DESTINATIONS);

/** True when `number` is within one entry of the list: a prefix (`+44`), or a NANP region (`+1-US`). */
function within(number: string, entry: string): boolean {
  const region = NANP_REGIONS.find((r) => r === entry);
  return region ? inNanpRegion(number, region) : number.startsWith(entry);
}

/** True when `address` may be sent to under the list of allowed prefixes (`+1`, `+44`, …) and regions (`+1-US`). */
function allowed(address: string, prefixes: readonly string[]): boolean {
  if (NOT_A_NUMBER.test(address)) return true;
  // A channel address (`whatsapp:+44…`, `rcs:+49…`) is checked by its number.
  const number = address.replace(/^[a-z]+:/i, '');
  return /^\+\d+$/.test(number) && prefixes.some((entry) => within(number, entry));
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text as Twilio reads it inside an element: entities decoded (`&#43;49` is `+49`). */
function decoded(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * TwiML's markup as Twilio parses it: comments dropped and CDATA turned into escaped text, so that only real
 * tags look like tags. Entities stay encoded here: `&lt;Dial&gt;` in a payload is text, not a verb.
 */
function markup(twiml: string): string {
  return twiml
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, text: string) =>
      text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    );
}

/** A tag: `/` if it closes, its name (a prefix if namespaced), its attributes (quoted values may hold `>`), `/` if empty. */
const TAG = /<\s*(\/?)\s*([^\s/>]+)((?:[^>"'/]|"[^"]*"|'[^']*'|\/(?!\s*>))*)(\/?)\s*>/g;
/** Verbs and nouns that hand the call to a SIP URI, a SIM or other TwiML. */
const HANDS_OFF = /^(Redirect|Sip|Sim|Application)$/i;
/** An attribute (by its local name) whose URL could run other TwiML: `action`, `url`, `waitUrl`, `referUrl`… */
const TWIML_URL_ATTRIBUTE = /(^|[\s:])(action|[a-z]*url)\s*=/i;
/** The elements whose own text Twilio dials. */
const DIALS = /^(Dial|Number)$/i;

/**
 * Why caller-supplied TwiML may not run under the destination list, or undefined. It may not dial a number
 * outside the list (`<Number>`, a bare `<Dial>`: their own text, wherever it sits between child elements), dial a
 * SIP URI, or hand control to TwiML it does not contain: `<Redirect>`, or any `action`/`url`/`…Url` attribute (a
 * `<Gather action>`, a `<Number url>` whisper…). TwiML has no namespaces and no DTD: a namespaced element
 * (`<t:Dial>`) or a DOCTYPE (which could define entities) is refused rather than guessed at.
 */
function twimlRefusal(twiml: string, prefixes: readonly string[]): string | undefined {
  const plain = markup(twiml);
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(plain)) return 'The TwiML declares a DOCTYPE or entities';
  // Open elements, innermost last, each with the text directly inside it.
  const open: { name: string; text: string }[] = [];
  const numbers: string[] = [];
  const close = (depth: number) => {
    for (const element of open.splice(depth)) if (DIALS.test(element.name)) numbers.push(element.text);
  };
  let at = 0;
  for (const tag of plain.matchAll(TAG)) {
    const top = open[open.length - 1];
    if (top) top.text += plain.slice(at, tag.index);
    at = tag.index + tag[0].length;
    const [, closing, name = '', attributes = '', empty] = tag;
    // A processing instruction (`<?xml …?>`) is no element.
    if (name.startsWith('?')) continue;
    if (name.includes(':')) return 'The TwiML uses a namespaced element, which TwiML does not have';
    if (closing) {
      let depth = open.length - 1;
      while (depth >= 0 && open[depth]?.name.toLowerCase() !== name.toLowerCase()) depth--;
      if (depth >= 0) close(depth);
      continue;
    }
    if (HANDS_OFF.test(name)) return 'The TwiML hands the call to a SIP URI or other TwiML';
    if (TWIML_URL_ATTRIBUTE.test(attributes)) return 'The TwiML names a URL that could run other TwiML';
    if (!empty) open.push({ name, text: '' });
  }
  close(0);
  if (numbers.map((n) => decoded(n).trim()).some((n) => n !== '' && !allowed(n, prefixes))) {
    return 'The TwiML dials a number that is not among the allowed destinations';
  }
  return undefined;
}

/** True when a caller-supplied TwiML URL may be used under the destination list: its host is allowed. */
function allowedTwimlUrl(url: string, hosts: readonly string[] | undefined): boolean {
  try {
    return hosts?.includes(new URL(url).hostname.toLowerCase()) ?? false;
  } catch {
    return false;
  }
}

/**
 * The gateway's guard against toll fraud and SMS pumping, run after the credentials and before anything is
 * sent, for every block that changes something (a read passes). With ALLOWED_DESTINATIONS, `to` (a channel
 * address by its number) must start with one of its prefixes, and a call's TwiML must stay within them:
 * caller-supplied `twiml` is read (see twimlRefusal), and a caller-supplied `url` or `fallbackUrl` (a create's,
 * or updateCall's redirect of a live call) must be on a host of ALLOWED_TWIML_HOSTS (TwiML from such a server, or
 * from an Application, is the account owner's). With MAX_SEGMENTS, an SMS body may not take more segments (an MMS
 * is billed per message, so its caption is not counted), nor may a Content template's variables, counted as one
 * text (the template's own text is unknown here, so this is a floor).
 */
export function guard(block: Block, input: BlockInput, config: Config): void {
  // Reads change nothing: a list's `to` is a filter, not a destination.
  if (!OPERATIONS[block.action].changes) return;
  const prefixes = config.ALLOWED_DESTINATIONS;
  if (prefixes) {
    const to = input.to;
    if (typeof to === 'string' && !allowed(to, prefixes)) {
      throw notAllowedDestination().hinted(
        `Send to a number starting with ${prefixes.slice(0, 5).join(', ')}, or add its prefix to ALLOWED_DESTINATIONS.`,
      );
    }
    const twiml = input.twiml;
    const why = typeof twiml === 'string' ? twimlRefusal(twiml, prefixes) : undefined;
    if (why) throw gatewayRefusal(403, why);
    for (const name of ['url', 'fallbackUrl'] as const) {
      const url = block.resource === 'Calls' ? input[name] : undefined;
      if (typeof url === 'string' && !allowedTwimlUrl(url, config.ALLOWED_TWIML_HOSTS)) {
        throw gatewayRefusal(403, `The ${name} host is not among ALLOWED_TWIML_HOSTS`).hinted(
          `Use a ${name} on a host of ALLOWED_TWIML_HOSTS, send the TwiML inline as twiml, or add the host to ALLOWED_TWIML_HOSTS.`,
        );
      }
    }
  }
  const cap = config.MAX_SEGMENTS;
  if (cap === undefined || block.resource !== 'Messages') return;
  const body = input.body;
  const mms = input.mediaUrl !== undefined;
  if (!mms && typeof body === 'string') {
    const segments = segmentCount(body);
    if (segments > cap) {
      throw gatewayRefusal(403, `The body takes ${segments} segments; at most ${cap} are allowed`).hinted(
        'Shorten the body: a segment holds 153 GSM-7 characters, or 67 once one character needs UCS-2 (an emoji, a curly quote).',
      );
    }
  }
  // A Content template's own text is Twilio's to know; its variables' text is a floor of what it sends.
  const variables = input.contentVariables;
  if (typeof variables === 'string') {
    const text = variablesText(variables);
    if (text === undefined) {
      throw gatewayRefusal(403, 'The contentVariables are not a JSON object, so MAX_SEGMENTS cannot count them').hinted(
        'Send contentVariables as a JSON object of strings, e.g. {"1":"Ada"}, or unset MAX_SEGMENTS.',
      );
    }
    const segments = segmentCount(text);
    if (segments > cap) {
      throw gatewayRefusal(403, `The contentVariables take ${segments} segments; at most ${cap} are allowed`).hinted(
        'Shorten the template variables, or raise MAX_SEGMENTS.',
      );
    }
  }
}

/** The text of a Content template's variables (their values, one after the other), or undefined if no JSON object. */
function variablesText(json: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return Object.values(parsed)
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join('');
}
