import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import type * as z from 'zod/mini';
import type { Block, Field } from './blocks';
import { type BlockInput, blockParser } from './blocks/schema';
import { badRequest, type GatewayError, twilioError } from './errors';

type Issue = z.core.$ZodIssue;

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

/** What a field expects, in words; used where Twilio has no message of its own. Never shows the value. */
function expectation(field: Field): string {
  const range =
    field.min !== undefined && field.max !== undefined
      ? ` from ${field.min} to ${field.max}`
      : field.min !== undefined
        ? ` of at least ${field.min}`
        : field.max !== undefined
          ? ` of at most ${field.max}`
          : '';
  switch (field.kind) {
    case 'credential':
      return 'a string';
    case 'text':
      return field.max === undefined ? 'a string' : `a string of at most ${field.max} characters`;
    case 'address':
      return 'a phone number, SIP address or client identifier';
    case 'url':
      return 'an absolute http(s) URL';
    case 'sid':
      return `a SID: ${field.prefix} followed by 32 hex digits`;
    case 'integer':
      return `a whole number${range}`;
    case 'number':
      return `a number${range}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
    case 'method':
      return `one of ${field.options?.join(', ')}`;
    case 'list':
      return `${field.options ? `items among ${field.options.join(', ')}` : field.items === 'url' ? 'absolute http(s) URLs' : 'strings'}, as an array${range}`;
    case 'datetime':
      return 'an ISO-8601 date-time with a time zone';
  }
}

/** Turns the first zod issue into the error Twilio would give, or a clear gateway 400. */
export function issueToError(block: Block, issues: readonly Issue[]): GatewayError {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown) return badRequest(`Unknown parameter: ${unknown.keys.map(clip).join(', ')}`);
  const issue = issues[0];
  const name = issue?.path[0];
  if (!issue || typeof name !== 'string') return badRequest('The request body must be a JSON object or a form');
  const group = issue.code === 'custom' ? (issue.params?.twilio as number | undefined) : undefined;
  if (group !== undefined) return twilioError(400, group, issue.message);
  const field = block.fields[name];
  if (!field) return badRequest(`Unknown parameter: ${clip(name)}`);
  const tooBig = issue.code === 'too_big' && issue.path.length === 1 ? field.tooBig : undefined;
  if (tooBig) return twilioError(400, tooBig.code, tooBig.message);
  // Twilio's own message echoes a single value; a list, an object or an empty value gets the plain description.
  const value = shown(issue.input);
  if (field.invalid && value !== undefined)
    return twilioError(400, field.invalid.code, field.invalid.message(clip(value)));
  return badRequest(`Invalid value for parameter '${field.key ?? name}': expected ${expectation(field)}`);
}

const FORM = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

/** Variables the block validator leaves for the handler. */
export interface Validated {
  Variables: { input: BlockInput };
}

/**
 * The inbound contract of one block, through @hono/zod-validator: JSON (flat or `{"args": …}`) or a
 * form post, validated against the schema derived from the block table. The hook owns the error shape:
 * a failure is thrown as a GatewayError, so the library's default body (which echoes input) never shows.
 */
export function validateBlock(block: Block): MiddlewareHandler<Validated> {
  const { schema, parse } = blockParser(block);
  const hook = (result: { success: boolean; data?: unknown; error?: { issues: Issue[] } }, c: Context) => {
    if (!result.success) throw issueToError(block, result.error?.issues ?? []);
    c.set('input', result.data as BlockInput);
  };
  // The validator is given the block's schema; it parses with `blockParser`, which gives the same results as
  // that schema's safeParse at a fraction of the work for the usual few-field input (see blockParser).
  // zod/mini's result type is narrower than the classic one the validator's typings name; same shape at run time.
  const options = {
    validationFunction: (_: typeof schema, value: unknown) => parse(value) as never,
  };
  const json = zValidator('json', schema, hook, options) as unknown as MiddlewareHandler<Validated>;
  const form = zValidator('form', schema, hook, options) as unknown as MiddlewareHandler<Validated>;
  return async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (FORM.has(type)) return form(c, next);
    if (JSON_TYPE.test(type)) return json(c, next);
    throw badRequest('Content-Type must be application/json or application/x-www-form-urlencoded', 415);
  };
}
