import type { Context } from 'hono';
import { validator } from 'hono/validator';
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

/**
 * The inbound contract of one block: the input of a request, JSON (flat or `{"args": …}`) or a form post (read
 * by Hono's validator, as Hono reads forms), validated against the schema derived from the block table. A
 * failure is thrown as a GatewayError.
 */
export function validateBlock(block: Block): (c: Context) => Promise<BlockInput> {
  const { parse } = blockParser(block);
  const check = (value: unknown): BlockInput => {
    const result = parse(value);
    if (!result.success) throw issueToError(block, result.error.issues);
    return result.data;
  };
  const form = validator('form', (value) => check(value));
  return async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (JSON_TYPE.test(type)) {
      let value: unknown;
      try {
        value = await c.req.json();
      } catch {
        throw badRequest('Malformed JSON in request body');
      }
      return check(value);
    }
    if (FORM.has(type)) {
      let input: BlockInput | undefined;
      await form(c, async () => {
        input = c.req.valid('form' as never);
      });
      return input as BlockInput;
    }
    throw badRequest('Content-Type must be application/json or application/x-www-form-urlencoded', 415);
  };
}
