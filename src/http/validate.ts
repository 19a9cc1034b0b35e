import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type * as z from 'zod/mini';
import type { Block } from '../blocks';
import { refusalOf } from '../blocks/issues';
import { type BlockInput, blockParser } from '../blocks/schema';
import { badRequest, type GatewayError, toGatewayError, twilioError } from '../errors';
import { framed } from '../twilio/operations';
import { BAD_JSON_HINT, CONTENT_TYPE_HINT, inputHint, isJsonText, jsonAsForm } from './hints';
import { unsupportedMediaType } from './refusals';

type Issue = z.core.$ZodIssue;

/**
 * The refusal of an input as the gateway answers it: Twilio's 400 where Twilio has a rule, else a plain 400;
 * framed for the block's operation (`Unable to fetch record: …`).
 */
export function issueToError(block: Block, issues: readonly Issue[]): GatewayError {
  const { code, message } = refusalOf(block, issues);
  const error = code === null ? badRequest(message) : twilioError(400, code, message);
  return framed(block.action, error.hinted(inputHint(block, issues)));
}

const FORM = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

/** A request's media type, without its parameters, in lower case ('' when none). */
export const mediaTypeOf = (c: Context) =>
  (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Whether a media type is JSON (`application/json`, `application/…+json`). */
export const isJsonType = (type: string) => JSON_TYPE.test(type);

/**
 * The inbound contract of one block, through @hono/zod-validator (the stack's validator): the input of a
 * request, JSON (flat or `{"args": …}`) or a form post, validated against the schema derived from the block
 * table, and handed back to the handler. The hook owns the error shape: a failure is thrown as a GatewayError,
 * so the library's default body (which echoes input) never shows.
 */
export function validateBlock(block: Block): (c: Context) => Promise<BlockInput> {
  let validators: Record<'json' | 'form', MiddlewareHandler> | undefined;
  // Built on the block's first request, with its schema: a fresh isolate builds only what its request needs.
  const validatorsOf = () => {
    const { schema, parse } = blockParser(block);
    const hook = (result: { success: boolean; data?: unknown; error?: { issues: Issue[] } }) => {
      if (!result.success) throw issueToError(block, result.error?.issues ?? []);
    };
    // zod/mini's result type is narrower than the classic one the validator's typings name; same shape at run time.
    const options = { validationFunction: (_: typeof schema, value: unknown) => parse(value) as never };
    return {
      json: zValidator('json', schema, hook, options) as unknown as MiddlewareHandler,
      form: zValidator('form', schema, hook, options) as unknown as MiddlewareHandler,
    };
  };
  return async (c) => {
    const type = mediaTypeOf(c);
    const target = isJsonType(type) ? 'json' : FORM.has(type) ? 'form' : undefined;
    if (target === undefined) {
      throw framed(block.action, unsupportedMediaType().hinted(CONTENT_TYPE_HINT));
    }
    validators ??= validatorsOf();
    let input: BlockInput | undefined;
    try {
      await validators[target](c, async () => {
        input = c.req.valid(target as never) as BlockInput;
      });
    } catch (err) {
      // Only a refused form is looked at again (its bytes are cached): a valid one costs nothing more. Decoded
      // here: the runtime warns when a form body is read with .text().
      const bytes = target === 'form' && type !== 'multipart/form-data' ? await c.req.arrayBuffer() : undefined;
      if (bytes && isJsonText(new TextDecoder().decode(bytes))) {
        throw framed(block.action, jsonAsForm(type));
      }
      if (err instanceof HTTPException && target === 'json') {
        throw framed(block.action, toGatewayError(err).hinted(BAD_JSON_HINT));
      }
      throw err;
    }
    return input as BlockInput;
  };
}
