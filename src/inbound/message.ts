import type { Config } from '../config';
import { addOptOut, type OptOutStores, removeOptOut } from '../optouts/store';
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

/**
 * An inbound message (POST /twilio/messages), after its signature was checked: a keyword changes the opt-outs
 * of the pair (every scope that received it, the person) before the answer, so that a send made after it is
 * refused; the message is recorded once (a retry does nothing again); the number's action runs; the answer is
 * TwiML. A keyword is answered by its own rule (HELP: the help text; STOP and START: Twilio confirms them), never
 * by an auto-reply.
 */
export async function receiveMessage(fields: URLSearchParams, ctx: InboundContext): Promise<Answered> {
  const { env, config, inbound } = ctx;
  const received = receivedOf(fields, 'message');
  const scopes = scopesOf(received);
  const keyword = keywordOf(received.body);
  const stores = config.OPT_OUTS === 'on' ? (env as Partial<Env>).OPT_OUT_STORE : undefined;
  if (stores && keyword === 'opt-out') await addOptOut(stores as OptOutStores, scopes, received.from, 'keyword');
  if (stores && keyword === 'opt-in') await removeOptOut(stores as OptOutStores, scopes, received.from);
  const action = actionFor(inbound.messages, scopes);
  const inbox = inboxOf(env, received.to);
  const first = await inbox.receive(received, action?.action === 'forward' ? action.url : undefined);
  if (first && action?.action === 'forward') ctx.waitUntil(inbox.flush());
  // A recipe runs once per message, keywords included (the owner's on-call phone may want to know of a STOP).
  const run = first && action?.action === 'recipe' ? { recipe: action.recipe, received } : undefined;
  if (keyword === 'help')
    return { twiml: twiml(inbound.help ? `<Message>${xmlText(inbound.help)}</Message>` : ''), run };
  if (keyword || action?.action !== 'reply') return { twiml: twiml(), run };
  const text = rendered(action.message, received, ctx);
  return { twiml: twiml(text ? `<Message>${xmlText(text)}</Message>` : '') };
}

/** The answer to Twilio, and the recipe the route runs after it (its send goes through send/, above this room). */
export interface Answered {
  readonly twiml: string;
  readonly run?: { readonly recipe: string; readonly received: Received } | undefined;
}

/** A configured template rendered with what arrived (`{{Body}}`, `{{From}}`…: Twilio's fields); not yet escaped. */
export function rendered(text: string, received: Received, ctx: InboundContext): string {
  const template = ctx.inbound.templates.get(text) ?? [];
  return render(template, { payload: received.fields, headers: ctx.headers }, new Set());
}
