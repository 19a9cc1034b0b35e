import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import { makeCall } from '../blocks/make-call';
import { sendSms } from '../blocks/messages';
import { ACCOUNT_SID, API_VERSION, apiPath, moreInfoUrl, newSid, sidPattern } from '../twilio/api';
import { callResource, messageResource } from '../twilio/resources';
import { segmentCount } from '../twilio/segments';
import { type CallbackPlan, callPlan, deliver, messagePlan } from './callbacks';
import { checkCallAddresses, checkMessageAddresses, NO_MESSAGING_SERVICE, type Refusal } from './numbers';
import { readForm } from './params';

/** What the emulator needs from its host, per request (passed as Hono's Bindings). */
export interface EmulatorBindings {
  /** POST signed status callbacks to a send's StatusCallback. */
  readonly callbacks: boolean;
  /** Keeps callback deliveries alive after the response. */
  readonly waitUntil: (promise: Promise<unknown>) => void;
}

type Env = { Bindings: EmulatorBindings; Variables: { password: string } };

const API_KEY_SID = sidPattern('SK');

/** Twilio's error body `{code, message, more_info, status}` (plus `detail` where Twilio adds one). */
function refuse(c: Context, refusal: Refusal, detail?: string) {
  const status = refusal.status ?? 400;
  const body = {
    code: refusal.code,
    message: refusal.message,
    more_info: moreInfoUrl(refusal.code),
    status,
    ...(detail === undefined ? {} : { detail }),
  };
  return c.json(body, status as 400);
}

/** The Basic-auth pair of a request, or undefined when it is missing or malformed. */
function basicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    const binary = atob(match[1]);
    decoded = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 1 || colon === decoded.length - 1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const notFound = (c: Context) =>
  refuse(c, {
    code: 20404,
    message: `The requested resource ${new URL(c.req.url).pathname} was not found`,
    status: 404,
  });

async function formOf(c: Context): Promise<URLSearchParams> {
  const type = c.req.header('content-type') ?? '';
  if (!/application\/x-www-form-urlencoded/i.test(type)) return new URLSearchParams();
  // Decoded by hand: workerd warns when .text() reads a body whose type is not text/*.
  return new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
}

function schedule(c: Context<Env>, plan: CallbackPlan | undefined) {
  if (!plan || !c.env.callbacks) return;
  c.env.waitUntil(deliver(plan, c.var.password, (request) => fetch(request)));
}

/**
 * The Twilio emulator: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` and `Calls.json` answered as
 * Twilio answers test credentials. Parameters are read and checked with the same block tables the gateway
 * validates with (sendSms for Messages, makeCall for Calls); only what Twilio alone knows is added here:
 * authentication, the account in the path, address shapes and the magic numbers.
 */
export const emulator = new Hono<Env>();

emulator.use('*', async (c, next) => {
  c.header('Twilio-Request-Id', newSid('RQ'));
  await next();
});

emulator.use(`/${API_VERSION}/Accounts/:account/*`, async (c, next) => {
  const auth = basicAuth(c.req.header('authorization'));
  const known = auth && (ACCOUNT_SID.test(auth.user) || API_KEY_SID.test(auth.user));
  if (!auth || !known) {
    c.header('WWW-Authenticate', 'Basic realm="Twilio API"');
    return refuse(
      c,
      { code: 20003, message: 'Authenticate', status: 401 },
      'Your AccountSid or AuthToken was incorrect.',
    );
  }
  const account = c.req.param('account');
  if (!ACCOUNT_SID.test(account) || (ACCOUNT_SID.test(auth.user) && auth.user !== account)) return notFound(c);
  c.set('password', auth.password);
  await next();
});

emulator.post(apiPath(':account', 'Messages'), async (c) => {
  const read = readForm(sendSms, await formOf(c));
  if ('refusal' in read) return refuse(c, read.refusal);
  const { input } = read;
  if (input.messagingServiceSid !== undefined) return refuse(c, NO_MESSAGING_SERVICE);
  const to = String(input.to);
  const from = input.from === undefined ? undefined : String(input.from);
  const refusal = checkMessageAddresses(to, from);
  if (refusal) return refuse(c, refusal);
  const mediaUrls = Array.isArray(input.mediaUrl) ? (input.mediaUrl as readonly string[]) : [];
  const body = input.body === undefined ? null : String(input.body);
  const message = messageResource({
    accountSid: c.req.param('account'),
    to,
    from: from ?? null,
    body,
    mediaUrls,
    now: new Date(),
    numSegments: body ? segmentCount(body) : 1,
  });
  if (typeof input.statusCallback === 'string') schedule(c, messagePlan(message, input.statusCallback));
  return c.json(message, 201);
});

emulator.post(apiPath(':account', 'Calls'), async (c) => {
  const read = readForm(makeCall, await formOf(c));
  if ('refusal' in read) return refuse(c, read.refusal);
  const { input } = read;
  const to = String(input.to);
  const from = String(input.from);
  const refusal = checkCallAddresses(to, from);
  if (refusal) return refuse(c, refusal);
  const now = new Date();
  const call = callResource({ accountSid: c.req.param('account'), to, from, now });
  // With an ApplicationSid, Twilio ignores the request's callback parameters for the Application's own.
  if (typeof input.statusCallback === 'string' && input.applicationSid === undefined) {
    const method = input.statusCallbackMethod === 'GET' ? 'GET' : 'POST';
    const events = Array.isArray(input.statusCallbackEvent) ? (input.statusCallbackEvent as readonly string[]) : [];
    schedule(c, callPlan(call, input.statusCallback, method, events, now));
  }
  return c.json(call, 201);
});

emulator.notFound(notFound);

emulator.onError((_err, c) =>
  refuse(c, { code: 20500, message: 'An internal server error has occurred', status: 500 }),
);
