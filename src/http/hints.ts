import type * as z from 'zod/mini';
import { type Block, blocks, type Field } from '../blocks';
import { kinds } from '../blocks/kinds';
import type { BlockInput } from '../blocks/schema';
import { badRequest, type GatewayError } from '../errors';
import { ACCOUNT_SID, E164 } from '../twilio/api';

/**
 * How to fix a refused request, in one place: the mistakes a first-time caller makes with this API and Twilio's
 * (names in Twilio's or the wrong case, a field of another block, numbers not in E.164, a path or a method that
 * is not a route, credentials swapped), each turned into the sentence that leads to the right request. Names come
 * from the block tables, not from lists. Every hint is additive: the documented strings stay as they are.
 */

type Issue = z.core.$ZodIssue;

/** Names compared loosely: case, `-`, `_` and spaces do not count (`send-sms`, `Status_Callback`). */
const loose = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** The edit distance of two short strings (callers bound them: names and paths of at most 128 characters). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The candidate `given` most likely meant: the same name loosely, else one within a third of its length in edits. */
export function nearest(given: string, candidates: Iterable<string>): string | undefined {
  const want = loose(given.slice(0, 128));
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(want.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(want, loose(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Names Twilio's helper libraries and docs use for what the blocks name otherwise. */
const TWILIO_NAMES: Readonly<Record<string, string>> = {
  authtoken: 'accountToken',
  token: 'accountToken',
  password: 'accountToken',
  username: 'accountSid',
  sid: 'accountSid',
  message: 'body',
  text: 'body',
  mediaurls: 'mediaUrl',
};

const example = (field: Field) => `"${field.name}": ${JSON.stringify(field.example)}`;

/** The block a name belongs to when it is not this block's (`url` sent to sendSms is makeCall's). */
function ownerOf(name: string, block: Block): Block | undefined {
  return blocks.find((other) => other !== block && Object.hasOwn(other.fields, name));
}

/** What an unknown name should be: this block's nearest field, Twilio's name for it, or the block it belongs to. */
function unknownNameHint(block: Block, given: string): string {
  // Shown as the refusal shows it: a long name is clipped, never echoed whole.
  const name = given.length > 64 ? `${given.slice(0, 64)}…` : given;
  const meant = TWILIO_NAMES[loose(name)] ?? nearest(name, Object.keys(block.fields));
  if (meant !== undefined && Object.hasOwn(block.fields, meant)) return `use ${meant} for ${name}`;
  const owner = ownerOf(name, block);
  if (owner) return `send ${name} to ${owner.name} (POST /api/Twilio/${owner.name}): ${block.name} takes none`;
  return `remove ${name}: ${block.name} takes no such parameter`;
}

/** How a value should look: the kind's expectation in words and the table's example. */
function valueHint(field: Field): string {
  return `send ${field.name} as ${kinds[field.kind].expects(field)}, e.g. ${example(field)}`;
}

/** How to fix an input the block's schema refused (the first issue, as refusalOf reports it). */
export function inputHint(block: Block, issues: readonly Issue[]): string | undefined {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown) {
    const fixes = unknown.keys.slice(0, 5).map((name) => unknownNameHint(block, name));
    return `${capital(fixes.join('; '))}. The blocks take camelCase names; GET /api/Twilio lists each block's parameters.`;
  }
  const issue = issues[0];
  const name = issue?.path[0];
  if (!issue || typeof name !== 'string') {
    return `Send a JSON object with Content-Type: application/json, e.g. {${requiredExamples(block)}}.`;
  }
  // A missing required group (schema.ts reports it with the group's message on its first name), not a bad value.
  const group = block.requires.find((g) => g.anyOf[0] === name && g.message === issue.message);
  if (issue.code === 'custom' && group) {
    const options = group.anyOf.map((n) => block.fields[n]).filter((f): f is Field => f !== undefined);
    return `Add ${options.map(example).join(', or ')}.`;
  }
  const field = block.fields[name];
  return field ? `${capital(valueHint(field))}.` : undefined;
}

/** The required fields of a block with their examples: the smallest valid request. */
const requiredExamples = (block: Block) =>
  block.requires
    .map((g) => block.fields[g.anyOf[0] ?? ''])
    .filter((f): f is Field => f !== undefined)
    .map(example)
    .join(', ');

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The E.164 form of a phone number written another way, or how to make it: spaces, dashes, dots and brackets go;
 * `00` becomes `+`; a US or Canadian ten-digit number gets +1; a national number loses its leading 0 for + and its
 * country code. Undefined for a number already in E.164 or an address that is not a phone number.
 */
export function e164Hint(value: string): string | undefined {
  if (E164.test(value) || /^[a-z]+:/i.test(value)) return undefined;
  const digits = value.replace(/[\s().-]/g, '');
  const fix = (to: string) => `write ${value} as ${to}`;
  if (E164.test(digits)) return fix(digits);
  if (/^00[1-9]\d{6,14}$/.test(digits)) return fix(`+${digits.slice(2)}`);
  if (/^0[1-9]\d{5,13}$/.test(digits)) {
    return `write ${value} with + and its country code instead of the leading 0: +<country code>${digits.slice(1)} (e.g. +49${digits.slice(1)} for Germany)`;
  }
  if (/^[2-9]\d{2}[2-9]\d{6}$/.test(digits)) return `${fix(`+1${digits}`)} if it is a US or Canadian number`;
  if (/^[1-9]\d{7,14}$/.test(digits)) return `${fix(`+${digits}`)}: E.164 starts with +`;
  return `a phone number is written in E.164: + then the country code and the number, digits only, e.g. +14155550100`;
}

/** Twilio's codes whose value is a phone number of the input, and the field it came from. */
const NUMBER_CODES: Readonly<Record<number, string>> = { 21211: 'to', 21212: 'from', 21217: 'to' };

/** Twilio's answers a first-time caller meets, and what fixes each (the block's own field names and examples). */
const TWILIO_FIXES: Readonly<Record<number, (block: Block) => string>> = {
  20003: () =>
    'Check accountSid and accountToken (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN): the Account SID and Auth Token shown together in the Twilio Console; test credentials only work with the test numbers.',
  20404: (block) =>
    block.action === 'create'
      ? 'Check accountSid: AC and 32 hex digits, the Account SID of the Twilio Console.'
      : 'Check sid: the SID a send answered (sid in its contextWrites.to), of this account.',
  21606: (block) =>
    `Use a number of your Twilio account that can send SMS as from (with test credentials: ${block.fields.from?.example ?? 'the test number'}), or a messagingServiceSid.`,
  21608: () =>
    'A trial account sends only to verified numbers: verify the To number in the Twilio Console, or upgrade.',
  21610: () =>
    "This person opted out of this sender: they replied STOP, were added with addOptOut, or Twilio refused them with 21610. They opt back in by replying START; if they asked to be contacted again, removeOptOut clears the gateway's list (Twilio's own clears only with their START).",
  21614: () => 'SMS needs a mobile number as to.',
  20429: () => 'Twilio is busy: send again after a pause, with an Idempotency-Key so that a retry never sends twice.',
};

/** How to fix a request Twilio (or its rule, checked locally) refused, from its code and the input sent. */
export function outcomeHint(block: Block, input: BlockInput, error: GatewayError): string | undefined {
  const { code } = error.detail;
  if (code === null || code === undefined) return undefined;
  const { accountSid, accountToken } = input;
  if (code === 20404 && typeof accountSid === 'string' && !ACCOUNT_SID.test(accountSid)) {
    return typeof accountToken === 'string' && ACCOUNT_SID.test(accountToken)
      ? 'accountSid and accountToken look swapped: accountSid is the AC… Account SID, accountToken the Auth Token.'
      : /^SK/i.test(accountSid)
        ? 'accountSid takes the Account SID (AC…), not an API key SID (SK…): API keys go in TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET.'
        : TWILIO_FIXES[20404]?.(block);
  }
  const number = NUMBER_CODES[code];
  const value = number === undefined ? undefined : input[number];
  const shape = typeof value === 'string' ? e164Hint(value) : undefined;
  if (shape) return `${capital(shape)}.`;
  return TWILIO_FIXES[code]?.(block);
}

/** One route as a caller may request it: its method and its path, with `{name}` for a parameter. */
export interface RouteLine {
  readonly method: string;
  readonly path: string;
}

/** How to reach the route `path` was meant to be: the nearest one, by its whole path or its last segment. */
export function routeHint(routes: readonly RouteLine[], path: string): string | undefined {
  const last = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const paths = routes.map((r) => r.path);
  const meant = nearest(path, paths) ?? (last(path) ? nearest(last(path), paths.map(last)) : undefined);
  const route = routes.find((r) => r.path === meant || last(r.path) === meant);
  if (!route) return 'GET /api/Twilio lists the blocks; each is POST /api/Twilio/<block> (docs/errors.md).';
  const methods = routes.filter((r) => r.path === route.path).map((r) => r.method);
  return `Did you mean ${methods.join(' or ')} ${route.path}?`;
}

/** What a route that exists looks up, when it found nothing. */
export function recordHint(path: string): string | undefined {
  if (path.startsWith('/hooks/')) return 'No recipe of that name: GET /hooks lists the recipes (RECIPES).';
  if (/\/requests\//.test(path)) {
    return 'A request id is kept 24 hours, and only the caller key that made the request may read it.';
  }
  return undefined;
}

/** How to call a route with a method it does not take. */
export function methodHint(allowed: readonly string[], path: string): string {
  const post = allowed.includes('POST') ? ' with a JSON body (Content-Type: application/json)' : '';
  return `Use ${allowed.filter((m) => m !== 'HEAD').join(' or ')} ${path}${post}.`;
}

/** A body sent with no usable Content-Type. */
export const CONTENT_TYPE_HINT =
  "Send the header Content-Type: application/json with a JSON body (curl: -H 'Content-Type: application/json').";

/** A body sent as JSON that is not JSON. */
export const BAD_JSON_HINT =
  'The body is not valid JSON: names and strings take double quotes, no trailing comma; in a shell, wrap it in single quotes (-d \'{"to": "+14155550100"}\').';

/** True for a JSON object or array: what `curl -d '{"to":…}'` sends as a form, whatever its Content-Type says. */
export function isJsonText(body: string): boolean {
  const text = body.trim();
  if (!/^[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The refusal of a JSON body sent as a form: a 415 that names the Content-Type to send. */
export function jsonAsForm(type: string): GatewayError {
  return badRequest(`The body is JSON but its Content-Type is ${type}: send it as application/json`, 415).hinted(
    "Send the header Content-Type: application/json (curl: -H 'Content-Type: application/json'); curl -d alone sends a form.",
  );
}
