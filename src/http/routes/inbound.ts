import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import { GatewayError } from '../../errors';
import { receiveMessage } from '../../inbound/message';
import { readInbound } from '../../inbound/settings';
import type { Received } from '../../inbound/store';
import { TWIML_TYPE } from '../../inbound/twiml';
import { receiveCall } from '../../inbound/voice';
import { readRecipes, recipesDocument } from '../../recipes/document';
import { matches, renderFields } from '../../recipes/template';
import { reachable } from '../../send/guard';
import { fingerprint } from '../../send/idempotency';
import { noInbox } from '../../send/refusals';
import type { AppEnv } from '../app-env';
import { limitBody } from '../middleware/body-limit';
import { rateLimit } from '../middleware/rate-limit';
import { placeOf, sendContext, sendStored, waitUntilOf } from '../send-context';
import { verifiedWebhook } from '../twilio-webhook';

/** The webhook paths to give a Twilio number (docs/inbound.md). */
export const MESSAGES_PATH = '/twilio/messages';
export const VOICE_PATH = '/twilio/voice';

/**
 * Twilio's webhooks of the owner's numbers: `POST /twilio/messages` (an incoming SMS, MMS or WhatsApp message)
 * and `POST /twilio/voice` (an incoming call). HTTP only: the signature (twilio-webhook.ts), then inbound/ does
 * the work and answers TwiML.
 */
export const inboundApi = new Hono<AppEnv>();

for (const path of [MESSAGES_PATH, VOICE_PATH]) {
  inboundApi.post(path, limitBody, async (c) => {
    const { fields } = await verifiedWebhook(c);
    const env = c.env as Env | undefined;
    if (!env?.INBOX) throw noInbox();
    const config = c.get('config');
    const ctx = { env, config, headers: c.req.raw.headers, waitUntil: waitUntilOf(c) };
    if (path === VOICE_PATH) {
      const mayDial = (number: string) => reachable(number, config);
      const answer = await receiveCall(fields, { ...ctx, inbound: readInbound(env), mayDial });
      return c.body(answer, 200, { 'Content-Type': TWIML_TYPE });
    }
    // Read by the message's handling when needed: a STOP applies even when INBOUND is broken.
    const place = placeOf(c);
    const { twiml, run } = await receiveMessage(fields, { ...ctx, inbound: () => readInbound(env), place });
    if (run) ctx.waitUntil(runLogged(c, run.recipe, run.received));
    return c.body(twiml, 200, { 'Content-Type': TWIML_TYPE });
  });
}

/** runRecipe, after the answer: a failure of its own (RECIPES broken, the send thrown) is one log line, no more. */
async function runLogged(c: Context<AppEnv>, name: string, received: Received): Promise<void> {
  try {
    await runRecipe(c, name, received);
  } catch (err) {
    // A documented string (no secret, no input), else the error's kind only: its message could carry input.
    const error = err instanceof GatewayError ? err.text : `unexpected ${err instanceof Error ? err.name : typeof err}`;
    console.error(JSON.stringify({ inbound: received.sid, recipe: name, error }));
  }
}

/**
 * A number's recipe (INBOUND's `recipe` action) with the message as its payload: its `when`, its fields rendered
 * and validated as a caller's input, then the send once per MessageSid (an IdempotencyStore named after it), the
 * destination guard and the credentials' rules applying as to any send. After the answer to Twilio: a recipe that
 * does not apply, a refusal or a failure is logged, never retried by Twilio.
 */
async function runRecipe(c: Context<AppEnv>, name: string, received: Received): Promise<void> {
  const recipe = readRecipes(c.env, await recipesDocument(c.env)).byName.get(name);
  const scope = { payload: received.fields, headers: c.req.raw.headers };
  if (!recipe || (recipe.when && !matches(recipe.when, scope))) {
    if (!recipe) console.error(JSON.stringify({ inbound: received.sid, recipe: name, error: 'no such recipe' }));
    return;
  }
  // Twilio, proved by its signature, is the caller of what a number's recipe sends; its rate limit applies.
  c.set('caller', { kind: 'key', id: `inbound:${received.to}` });
  try {
    await rateLimit(c as never, async () => {});
  } catch {
    console.error(JSON.stringify({ inbound: received.sid, recipe: name, error: 'rate limited' }));
    return;
  }
  const parsed = recipe.parse(renderFields(recipe.fields, scope, new Set()));
  if (!parsed.success) {
    console.error(JSON.stringify({ inbound: received.sid, recipe: name, error: 'the rendered input is invalid' }));
    return;
  }
  const { block } = recipe;
  const outcome = await sendStored(
    c,
    `inbound:${received.sid}`,
    block,
    parsed.data,
    await fingerprint(block.name, parsed.data),
    sendContext(c),
  );
  if (!outcome.ok) console.error(JSON.stringify({ inbound: received.sid, recipe: name, error: outcome.error.text }));
}
