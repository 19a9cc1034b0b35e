import type { Config } from '../config';
import { type Place, regionOf } from '../optouts/regions';
import { addOptOut, type OptOutStores, optedOutOfAny, removeOptOut } from '../optouts/store';
import { render } from '../recipes/template';
import { keywordOf } from './keywords';
import { unnamedWebhook } from './refusals';
import { actionFor, type Inbound } from './settings';
import { inboxOf, type Received } from './store';
import { twiml, xmlText } from './twiml';

/** What handling an inbound message needs from its request. */
export interface InboundContext {
  readonly env: Env;
  readonly config: Config;
  readonly inbound: Inbound;
  readonly headers: Headers;
  /** Keeps work alive after the answer: the forward. */
  readonly waitUntil: (promise: Promise<unknown>) => void;
}

/** The SID of a Twilio webhook's message or call, checked as Twilio writes SIDs. */
const SID = /^(SM|MM|CA)[0-9a-fA-F]{32}$/;

/** What arrived, as kept: Twilio's fields and the few the gateway reads. */
export function receivedOf(fields: URLSearchParams, kind: Received['kind']): Received {
  const sid = fields.get(kind === 'call' ? 'CallSid' : 'MessageSid') ?? fields.get('SmsMessageSid') ?? '';
  const from = fields.get('From');
  const to = fields.get('To');
  if (!SID.test(sid) || !from || !to) {
    throw unnamedWebhook(kind);
  }
  return {
    sid,
    kind,
    from,
    to,
    body: fields.get('Body'),
    messagingServiceSid: fields.get('MessagingServiceSid'),
    receivedAt: new Date().toISOString(),
    fields: Object.fromEntries(fields),
  };
}

/** The scopes a message belongs to: the number that received it, and its Messaging Service (Twilio's scope). */
export const scopesOf = (received: Received) =>
  received.messagingServiceSid ? [received.to, received.messagingServiceSid] : [received.to];

/** What handling a message needs: INBOUND is read when needed, after a keyword applied (which does not need it). */
export interface MessageContext extends Omit<InboundContext, 'inbound'> {
  readonly inbound: () => Inbound;
  /** Where the request runs (`request.cf`, decoded when read): an auto-reply reads the opt-outs of its region. */
  readonly place: () => Place | undefined;
}

/** The most characters of one `<Message>` (Twilio refuses longer bodies: 21617). */
export const MAX_REPLY = 1600;

/**
 * An inbound message (POST /twilio/messages), after its signature was checked: the message is recorded once (a
 * retry does nothing again); an opt-out or opt-in keyword changes the opt-outs of the pair (every scope that
 * received it, the person) once per message, before the answer, so that a send made after it is refused, and
 * even when INBOUND is broken (its configuration error answers after); the number's action runs; the answer is
 * TwiML. A keyword is answered by its own rule (HELP: the help text; STOP and START: Twilio confirms them), never
 * by an auto-reply, and no auto-reply answers a person who opted out.
 */
export async function receiveMessage(fields: URLSearchParams, ctx: MessageContext): Promise<Answered> {
  const { env, config } = ctx;
  const received = receivedOf(fields, 'message');
  const scopes = scopesOf(received);
  const keyword = keywordOf(received.body);
  const stores =
    config.OPT_OUTS === 'on' ? ((env as Partial<Env>).OPT_OUT_STORE as OptOutStores | undefined) : undefined;
  const consent = stores && (keyword === 'opt-out' || keyword === 'opt-in') ? keyword : undefined;
  const settings = consent ? attempt(ctx.inbound) : { ok: true as const, value: ctx.inbound() };
  const action = settings.ok ? actionFor(settings.value.messages, scopes) : undefined;
  const inbox = inboxOf(env, received.to);
  const receipt = await inbox.receive(received, action?.action === 'forward' ? action.url : undefined);
  if (receipt.first && action?.action === 'forward') ctx.waitUntil(inbox.flush());
  // Once per message, not per delivery: a retry of an old START must not undo a later STOP; a retry of a message
  // whose write failed applies it.
  const applying = consent !== undefined && !receipt.keywordApplied;
  if (applying && stores) {
    if (consent === 'opt-out') await addOptOut(stores, scopes, received.from, 'keyword', receipt.receivedAt);
    else await removeOptOut(stores, scopes, received.from, receipt.receivedAt);
    await inbox.keywordApplied(received.sid);
  }
  if (!settings.ok) throw settings.error;
  const inbound = settings.value;
  // A recipe runs once per message, keywords included (the owner's on-call phone may want to know of a STOP); a
  // retry after a failed keyword write runs it too (its send is kept once per MessageSid).
  const fresh = receipt.first || applying;
  const run = fresh && action?.action === 'recipe' ? { recipe: action.recipe, received } : undefined;
  if (keyword === 'help')
    return { twiml: twiml(inbound.help ? `<Message>${xmlText(inbound.help)}</Message>` : ''), run };
  if (keyword || action?.action !== 'reply') return { twiml: twiml(), run };
  // An auto-reply is a message to the person: none to a person who opted out of a scope that received this.
  if (stores && (await optedOutOfAny(stores, scopes, received.from, regionOf(ctx.place())))) return { twiml: twiml() };
  // Cut before escaping: Twilio counts the text; half a pair cut there is dropped as a lone surrogate.
  const text = rendered(action.message, received, { inbound, headers: ctx.headers }).slice(0, MAX_REPLY);
  return { twiml: twiml(text ? `<Message>${xmlText(text)}</Message>` : '') };
}

/** The settings, or the error reading them gave (thrown later, once the keyword applied). */
function attempt<T>(read: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The answer to Twilio, and the recipe the route runs after it (its send goes through send/, above this room). */
export interface Answered {
  readonly twiml: string;
  readonly run?: { readonly recipe: string; readonly received: Received } | undefined;
}

/** A configured template rendered with what arrived (`{{Body}}`, `{{From}}`…: Twilio's fields); not yet escaped. */
export function rendered(text: string, received: Received, ctx: Pick<InboundContext, 'inbound' | 'headers'>): string {
  const template = ctx.inbound.templates.get(text) ?? [];
  return render(template, { payload: received.fields, headers: ctx.headers }, new Set());
}
