import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono/tiny';
import type * as z from 'zod/mini';
import { badRequest } from '../../errors';
import { postAsThePerson } from '../../send/as-the-person';
import { PERSON_RULES, type PersonMessage, personSchema } from '../../send/person';
import type { AppEnv } from '../app-env';
import { success } from '../envelope';
import { jsonOnly, notSandbox } from '../refusals';
import { executionCtxOf, sendContext } from '../send-context';
import { isJsonType, mediaTypeOf } from '../validate';
import { MESSAGES_PATH, VOICE_PATH } from './inbound';

const JSON_HINT = 'Send the body as JSON with the header Content-Type: application/json.';

/** The first issue of a refused input, as one documented sentence. */
function refusal(issues: readonly z.core.$ZodIssue[]) {
  const [issue] = issues;
  if (issue?.code === 'unrecognized_keys') return badRequest(`Unknown field ${issue.keys[0]} in the sandbox inbox`);
  // No field named: the body is not an object at all.
  if (issue?.path[0] === undefined) return badRequest('The sandbox inbox takes a JSON object: from, to, body');
  const field = String(issue.path[0]);
  return badRequest(`The sandbox inbox's ${field} must be ${PERSON_RULES[field as keyof PersonMessage] ?? 'valid'}`);
}

/** The Worker's own app, to which the person's signed message is delivered in-process. */
export type SelfApp = Pick<Hono<AppEnv>, 'fetch'>;

/**
 * `POST /api/Twilio/sandbox/inbound` (sandbox mode only): the emulator acts as the person and sends the Worker's
 * own `/twilio/messages` (or `/twilio/voice`) a Twilio-signed message or call, delivered to `self` in-process, so a
 * deployed sandbox needs no request to itself. It is signed over PUBLIC_URL and the path, as Twilio signs the URL
 * it was given, and delivered at the path itself, as a proxy in front of the Worker delivers it. The playground's sandbox inbox replies with it: a STOP here opts
 * the person out as a real one would. The blocks API's admission (body limit, caller key, rate limit) applies.
 */
export function sandboxApi(self: SelfApp) {
  const api = new Hono<AppEnv>();
  const validate = zValidator('json', personSchema, (result) => {
    if (!result.success) throw refusal(result.error.issues);
  });
  api.post('/sandbox/inbound', async (c, next) => {
    if (c.get('config').TWILIO_MODE !== 'sandbox') throw notSandbox();
    // Hono's JSON validator reads any other body as {}: it would be refused for a missing field, not its type.
    if (!isJsonType(mediaTypeOf(c))) throw jsonOnly().hinted(JSON_HINT);
    await next();
  });
  api.post('/sandbox/inbound', validate, async (c) => {
    const person = c.req.valid('json');
    const ctx = sendContext(c);
    const path = person.kind === 'call' ? VOICE_PATH : MESSAGES_PATH;
    const { origin } = new URL(c.req.url);
    // Twilio signs the URL it was given, PUBLIC_URL's (whose path a proxy may strip); the request itself comes to
    // this Worker's own path, as through that proxy.
    const deliver = async (signed: Request) =>
      self.fetch(new Request(`${origin}${path}`, signed), c.env, executionCtxOf(c));
    return success(c, await postAsThePerson(person, `${ctx.config.PUBLIC_URL ?? origin}${path}`, ctx, deliver));
  });
  return api;
}
