import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import type * as z from 'zod/mini';
import type { Block } from './blocks';
import { refusalOf } from './blocks/issues';
import { type BlockInput, blockParser } from './blocks/schema';
import { badRequest, type GatewayError, twilioError } from './errors';

type Issue = z.core.$ZodIssue;

/** The refusal of an input as the gateway answers it: Twilio's 400 where Twilio has a rule, else a plain 400. */
export function issueToError(block: Block, issues: readonly Issue[]): GatewayError {
  const { code, message } = refusalOf(block, issues);
  return code === null ? badRequest(message) : twilioError(400, code, message);
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
  // that schema's safeParse (see blockParser).
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
