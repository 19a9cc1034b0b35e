import type * as z from 'zod/mini';
import type { Block } from './fields';
import { kinds } from './kinds';

type Issue = z.core.$ZodIssue;

/**
 * Why an input was refused, as Twilio would say it: Twilio's code and message where Twilio has a rule for it
 * (`code` set), else a plain message of the gateway's own (`code` null). The gateway answers it in the
 * envelope; the sandbox answers it as Twilio's error body.
 */
export interface InputRefusal {
  readonly code: number | null;
  readonly message: string;
}

/** How many unknown names a refusal lists: enough to fix a typo, never a copy of a huge body. */
const MAX_NAMED = 5;

const clip = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * A value as Twilio would echo it: a non-empty scalar. Undefined for anything else (lists, objects, ''):
 * String() on objects can throw (`{"toString": 0}`) or overflow the stack (deep nesting), and Twilio's rule
 * does not apply to a value of the wrong shape anyway (`method: ["GET"]` is not "Method is not valid: GET").
 */
function shown(input: unknown): string | undefined {
  return isScalar(input) && String(input) !== '' ? String(input) : undefined;
}

/** The first zod issue of a block's schema, as Twilio's code and message or a plain description. */
export function refusalOf(block: Block, issues: readonly Issue[]): InputRefusal {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown) {
    const more = unknown.keys.length - MAX_NAMED;
    const named = unknown.keys.slice(0, MAX_NAMED).map(clip).join(', ');
    return { code: null, message: `Unknown parameter: ${named}${more > 0 ? ` and ${more} more` : ''}` };
  }
  const issue = issues[0];
  const name = issue?.path[0];
  if (!issue || typeof name !== 'string')
    return { code: null, message: 'The request body must be a JSON object or a form' };
  const group = issue.code === 'custom' ? (issue.params?.twilio as number | undefined) : undefined;
  if (group !== undefined) return { code: group, message: issue.message };
  const field = block.fields[name];
  if (!field) return { code: null, message: `Unknown parameter: ${clip(name)}` };
  const tooBig = issue.code === 'too_big' && issue.path.length === 1 ? field.tooBig : undefined;
  if (tooBig) return tooBig;
  // Twilio's own message echoes a single value; a list, an object or an empty value gets the plain description.
  const value = shown(issue.input);
  if (field.invalid && value !== undefined) {
    return { code: field.invalid.code, message: field.invalid.message(clip(value), field.key ?? name) };
  }
  return {
    code: null,
    message: `Invalid value for parameter '${field.key ?? name}': expected ${kinds[field.kind].expects(field)}`,
  };
}
