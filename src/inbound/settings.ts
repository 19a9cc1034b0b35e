import * as v from 'valibot';
import { readConfig, settingHint } from '../config';
import { GatewayError } from '../errors';
import { isPublicTarget } from '../limits/public-target';
import { compile, type Template } from '../recipes/template';

const url = v.pipe(v.string(), v.maxLength(2048), v.url(), v.regex(/^https?:\/\//));
const words = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));

/** What an inbound message does (besides the keywords): nothing more, a reply, a forward, a recipe of RECIPES. */
const MessageAction = v.variant('action', [
  v.strictObject({ action: v.literal('none') }),
  v.strictObject({ action: v.literal('reply'), message: words(1600) }),
  v.strictObject({ action: v.literal('forward'), url }),
  v.strictObject({ action: v.literal('recipe'), recipe: v.pipe(v.string(), v.regex(/^[\w-]{1,64}$/)) }),
]);

/** What an incoming call answers: a TwiML verb, or a forward (the call then hears nothing and ends). */
const VoiceAction = v.variant('action', [
  v.strictObject({ action: v.literal('say'), text: words(4000) }),
  v.strictObject({ action: v.literal('play'), url }),
  v.strictObject({ action: v.literal('dial'), number: v.pipe(v.string(), v.regex(/^\+[1-9]\d{1,14}$/)) }),
  v.strictObject({ action: v.literal('forward'), url }),
]);

/** A Twilio number (E.164), a channel address, or a Messaging Service SID, or `default`. */
const Receiver = v.pipe(v.string(), v.regex(/^(default|\+[1-9]\d{1,14}|[a-z]+:\+?[\w.@-]{1,64}|MG[0-9a-fA-F]{32})$/));

const InboundSchema = v.strictObject({
  /** The answer to HELP and INFO. */
  help: v.optional(words(1600)),
  /** Per receiving number (or Messaging Service), with `default` for the others. */
  messages: v.optional(v.record(Receiver, MessageAction), {}),
  voice: v.optional(v.record(Receiver, VoiceAction), {}),
});

type Raw = v.InferOutput<typeof InboundSchema>;
export type MessageAction = v.InferOutput<typeof MessageAction>;
export type VoiceAction = v.InferOutput<typeof VoiceAction>;

/** The decoded INBOUND setting: templates compiled. */
export interface Inbound {
  readonly help?: string | undefined;
  readonly messages: Raw['messages'];
  readonly voice: Raw['voice'];
  /** The compiled templates of replies and of what a call is told, by their text. */
  readonly templates: ReadonlyMap<string, Template>;
}

/** The configuration error of INBOUND: names where, never a value; the hint says the rule that was broken. */
const invalid = (problems: readonly string[], hint = settingHint('INBOUND')) =>
  new GatewayError(500, `Gateway configuration error: invalid INBOUND: ${problems.slice(0, 5).join('; ')}`, {
    source: 'gateway',
    code: null,
  }).hinted(hint);

/** The rules a forward must keep to be ever sent (inbound/store.ts sends as status/forward.ts does), as hints. */
const PUBLIC_FORWARD = settingHint(
  'INBOUND',
  "INBOUND: a forward's url must be a public http(s) URL (not localhost, nor a private, loopback or link-local address)",
);
const SIGNED_FORWARD = `${settingHint('INBOUND', 'INBOUND: a forward needs WEBHOOK_SECRETS (its events are signed with it)')} ${settingHint('WEBHOOK_SECRETS')}`;

/**
 * What makes a forward never sent, found at load rather than by a message silently dropped: a url that is not
 * public, or no WEBHOOK_SECRETS to sign it with. Names where and the rule, never the url.
 */
function forwardProblems(actions: readonly (readonly [string, MessageAction | VoiceAction])[], env: object) {
  const problems: string[] = [];
  const hints = new Set<string>();
  for (const [where, action] of actions) {
    if (action.action !== 'forward') continue;
    if (!isPublicTarget(action.url)) {
      problems.push(`${where}.url must be a public http(s) URL`);
      hints.add(PUBLIC_FORWARD);
    }
    if (readConfig(env).WEBHOOK_SECRETS === undefined) {
      problems.push(`${where} forwards, which needs WEBHOOK_SECRETS`);
      hints.add(SIGNED_FORWARD);
    }
  }
  return { problems, hint: [...hints].join(' ') };
}

const cache = new WeakMap<object, Inbound>();

/**
 * The INBOUND setting (a JSON object; docs/inbound.md), decoded once per env with valibot: the help text and, per
 * Twilio number or Messaging Service (or `default`), what a message and a call do. Unset: keywords only, calls
 * get an empty answer. A wrong one is a 500 configuration error naming where, for every inbound request; so is
 * a forward that could never be sent (a url that is not public, or no WEBHOOK_SECRETS).
 */
export function readInbound(env: object): Inbound {
  const cached = cache.get(env);
  if (cached) return cached;
  let given: unknown = (env as { INBOUND?: unknown }).INBOUND || {};
  try {
    if (typeof given === 'string') given = JSON.parse(given);
  } catch {
    throw invalid(['not JSON']);
  }
  const result = v.safeParse(InboundSchema, given);
  if (!result.success) {
    throw invalid(result.issues.map((issue) => `${v.getDotPath(issue) ?? 'it'} must be ${issue.expected}`));
  }
  const actions = [
    ...Object.entries(result.output.messages).map(([at, a]) => [`messages.${at}`, a] as const),
    ...Object.entries(result.output.voice).map(([at, a]) => [`voice.${at}`, a] as const),
  ];
  const forwards = forwardProblems(actions, env);
  const templates = new Map<string, Template>();
  const problems = [...forwards.problems];
  for (const [where, action] of actions) {
    const [field, text] =
      action.action === 'reply' ? ['message', action.message] : action.action === 'say' ? ['text', action.text] : [];
    if (!text) continue;
    const compiled = compile(text);
    if (typeof compiled === 'string') problems.push(`${where}.${field}: ${compiled}`);
    else templates.set(text, compiled);
  }
  if (problems.length) throw invalid(problems, forwards.hint || undefined);
  const inbound = { ...result.output, templates };
  cache.set(env, inbound);
  return inbound;
}

/** The action configured for a receiver: the first of its scopes that has one (the number, then its service), else `default`. */
export function actionFor<A>(table: Readonly<Record<string, A>>, scopes: readonly string[]): A | undefined {
  for (const scope of [...scopes, 'default']) if (Object.hasOwn(table, scope)) return table[scope];
  return undefined;
}
