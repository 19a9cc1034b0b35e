import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Hono } from 'hono/tiny';
import { listCalls, updateCall as updateCallBlock } from '../blocks/call-records';
import { makeCall } from '../blocks/make-call';
import { listMessages } from '../blocks/message-records';
import { sendSms } from '../blocks/messages';
import type { BlockInput } from '../blocks/schema';
import { moreInfoUrl } from '../errors';
import { MAX_BODY_BYTES } from '../limits/body';
import { API_VERSION, newSid, RECORD_PREFIX, RESOURCES, type Resource, sidPattern } from '../twilio/api';
import { isFormType, parseBasic } from '../twilio/encoding';
import { callResource, messageResource } from '../twilio/resources';
import { segmentCount } from '../twilio/segments';
import { sameText } from '../twilio/signature';
import { deliverAsTheClockRuns } from './callbacks';
import { type Deliver, postInbound } from './inbound';
import { type HandOff, lateRequests } from './late';
import { listPage } from './list';
import { checkCallAddresses, checkMessageAddresses, type Refusal } from './numbers';
import { INVALID_PARAMETER, readForm } from './params';
import {
  CALL_FINAL,
  callSteps,
  current,
  elapsed,
  endNow,
  find,
  forget,
  keep,
  MESSAGE_FINAL,
  messageSteps,
  realAt,
  type SandboxRecord,
  type Step,
  view,
} from './records';
import type { SandboxAccount } from './settings';

/** What the emulator needs from its host, per request (passed as Hono's Bindings). */
export interface EmulatorBindings {
  /** The one account it serves, and the token its callbacks are signed with. */
  readonly account: SandboxAccount;
  /** Simulated seconds per real second (SANDBOX_SPEED). */
  readonly speed: number;
  /** Send signed status callbacks to a record's StatusCallback. */
  readonly callbacks: boolean;
  /** A local run (SANDBOX_LOCAL): callbacks may go to private addresses and carry the URL's credentials. */
  readonly local: boolean;
  /** Keeps callback deliveries alive after the response. */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** How long callback deliveries may run after a request (a Worker's waitUntil window); default 25 s. */
  readonly callbackWindowMs?: number;
  /** Takes over the callbacks of a record that outlives the window (a Durable Object's alarm); none: they stop. */
  readonly handOff?: HandOff | undefined;
  /** Where a person's signed message goes (sandbox/inbound.ts): fetch unless the host delivers it itself. */
  readonly deliver?: Deliver | undefined;
  /** The real clock, ms since the epoch; Date.now unless a test drives it. */
  readonly now?: () => number;
}

type Env = { Bindings: EmulatorBindings };

/** A Worker keeps waitUntil work alive 30 s after the answer; the callbacks stop a little before. */
const CALLBACK_WINDOW_MS = 25_000;

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

/** Whether the pair is the account's SID and auth token, or its API key's SID and secret. */
function authenticates(account: SandboxAccount, auth: { user: string; password: string }): boolean {
  if (auth.user === account.accountSid) return sameText(auth.password, account.authToken);
  return auth.user === account.apiKey?.sid && sameText(auth.password, account.apiKey.secret);
}

const notFound = (c: Context) =>
  refuse(c, {
    code: 20404,
    message: `The requested resource ${new URL(c.req.url).pathname} was not found`,
    status: 404,
  });

async function formOf(c: Context): Promise<URLSearchParams> {
  if (!isFormType(c.req.header('content-type'))) return new URLSearchParams();
  // Decoded by hand: workerd warns when .text() reads a body whose type is not text/*.
  return new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
}

const nowOf = (c: Context<Env>) => (c.env.now ?? Date.now)();

/**
 * Sends the record's callbacks as its clock runs, after the answer (when callbacks are on and it has a URL): in
 * this request's waitUntil window, or, for a record whose timeline ends after it, all through the host's handOff.
 */
function follow(c: Context<Env>, record: SandboxRecord) {
  if (!c.env.callbacks || !record.callback) return;
  const windowMs = c.env.callbackWindowMs ?? CALLBACK_WINDOW_MS;
  const { handOff } = c.env;
  const end = realAt(record, (record.steps.at(-1) as Step).at);
  if (record.late || (handOff && end > nowOf(c) + windowMs)) {
    // Handed again only when an update changed the timeline or the target: nothing is sent twice.
    if (!handOff || (record.late?.steps === record.steps && record.late.callback === record.callback)) return;
    record.late = { steps: record.steps, callback: record.callback };
    c.env.waitUntil(
      lateRequests(record, c.env.account.authToken, c.env.local).then((requests) => handOff(record.sid, requests)),
    );
    return;
  }
  if (record.delivering) return;
  c.env.waitUntil(
    deliverAsTheClockRuns(record, {
      authToken: c.env.account.authToken,
      local: c.env.local,
      send: (request) => fetch(request),
      now: c.env.now ?? Date.now,
      windowMs,
    }),
  );
}

/** Twilio's answer to a scheduled message whose SendAt is missing, unsupported or without a Messaging Service. */
const SCHEDULE_REFUSALS = {
  noSendAt: { code: 35111, message: "You must indicate SendAt timestamp if ScheduleType is 'fixed'." },
  noService: { code: 35118, message: 'MessagingServiceSid is required to schedule a message' },
  window: {
    code: 35114,
    message: 'SendAt time must be between 300 seconds and 35 days (3024000 seconds) in the future, inclusive.',
  },
} as const satisfies Record<string, Refusal>;
const SCHEDULE_MIN_MS = 300_000;
const SCHEDULE_MAX_MS = 3_024_000_000;

const NOT_CANCELABLE: Refusal = { code: 30409, message: 'This message cannot be canceled' };
const NOT_LIVE: Refusal = { code: 21220, message: 'Call is not in-progress. Cannot redirect.' };
const NOT_COMPLETE: Refusal = {
  code: 20009,
  message: 'Cannot delete this resource before it is complete',
  status: 409,
};

const SIDS: { readonly [K in Resource]: RegExp } = {
  Messages: sidPattern(RECORD_PREFIX.Messages),
  Calls: sidPattern(RECORD_PREFIX.Calls),
};

/**
 * The Twilio emulator: Messages and Calls of one account (its credentials from the host, SandboxAccount), kept in
 * memory and served at Twilio's paths: create, fetch, list, update and delete. Create parameters are read and
 * checked with the block tables the gateway validates with (sendSms, makeCall); only what Twilio alone knows is
 * added here: authentication, the account in the path, address shapes, the magic numbers and record states.
 * Statuses advance on each record's simulated clock (records.ts); callbacks follow it (callbacks.ts).
 */
export const emulator = new Hono<Env>();

const ACCOUNT_PATH = `/${API_VERSION}/Accounts/:account`;

emulator.use('*', async (c, next) => {
  c.header('Twilio-Request-Id', newSid('RQ'));
  await next();
});

// The gateway's own body limit (64 KB), judged as it judges it: by the Content-Length, else by counting the body
// as it streams. `npm run sandbox` would otherwise read a body of any size. Over it: 413 in Twilio's error shape.
emulator.use(
  '*',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      refuse(c, {
        code: INVALID_PARAMETER,
        message: `The request body is over ${MAX_BODY_BYTES / 1024} KB`,
        status: 413,
      }),
  }),
);

emulator.use(`${ACCOUNT_PATH}/*`, async (c, next) => {
  const auth = parseBasic(c.req.header('authorization'));
  if (!auth || !authenticates(c.env.account, auth)) {
    c.header('WWW-Authenticate', 'Basic realm="Twilio API"');
    return refuse(
      c,
      { code: 20003, message: 'Authenticate', status: 401 },
      'Your AccountSid or AuthToken was incorrect.',
    );
  }
  if (c.req.param('account') !== c.env.account.accountSid) return notFound(c);
  await next();
});

// The emulator as the person: a signed incoming message or call posted to the Worker (sandbox/inbound.ts).
emulator.post(`${ACCOUNT_PATH}/Sandbox/Inbound.json`, async (c) => {
  const answer = await postInbound(c.env.account, await formOf(c), c.env);
  return answer instanceof Response ? answer : refuse(c, answer);
});

emulator.post(`${ACCOUNT_PATH}/Messages.json`, async (c) => {
  const read = readForm(sendSms, await formOf(c));
  if ('refusal' in read) return refuse(c, read.refusal);
  const { input } = read;
  const to = String(input.to);
  const from = input.from === undefined ? undefined : String(input.from);
  const service = input.messagingServiceSid === undefined ? undefined : String(input.messagingServiceSid);
  const refusal = checkMessageAddresses(to, from);
  if (refusal) return refuse(c, refusal);
  const now = nowOf(c);
  let first: 'queued' | 'accepted' | 'scheduled' = service ? 'accepted' : 'queued';
  let queuedAt = service ? 500 : 0;
  if (input.scheduleType === 'fixed') {
    if (input.sendAt === undefined) return refuse(c, SCHEDULE_REFUSALS.noSendAt);
    if (!service) return refuse(c, SCHEDULE_REFUSALS.noService);
    const lead = Date.parse(String(input.sendAt)) - now;
    if (!(lead >= SCHEDULE_MIN_MS && lead <= SCHEDULE_MAX_MS)) return refuse(c, SCHEDULE_REFUSALS.window);
    first = 'scheduled';
    queuedAt = lead;
  }
  const mediaUrls = Array.isArray(input.mediaUrl) ? (input.mediaUrl as readonly string[]) : [];
  const body = input.body === undefined ? null : String(input.body);
  const resource = messageResource({
    accountSid: c.env.account.accountSid,
    to,
    from: from ?? null,
    body,
    mediaUrls,
    now: new Date(now),
    numSegments: body ? segmentCount(body) : 1,
    messagingServiceSid: service ?? null,
  });
  const record = keep({
    kind: 'Messages',
    sid: resource.sid,
    accountSid: resource.account_sid,
    created: now,
    speed: c.env.speed,
    resource: { ...resource },
    steps: messageSteps(to, first, queuedAt),
    callback: typeof input.statusCallback === 'string' ? { url: input.statusCallback, method: 'POST' } : undefined,
  });
  follow(c, record);
  return c.json(view(record, now), 201);
});

emulator.post(`${ACCOUNT_PATH}/Calls.json`, async (c) => {
  const read = readForm(makeCall, await formOf(c));
  if ('refusal' in read) return refuse(c, read.refusal);
  const { input } = read;
  const to = String(input.to);
  const from = String(input.from);
  const refusal = checkCallAddresses(to, from);
  if (refusal) return refuse(c, refusal);
  const now = nowOf(c);
  const resource = callResource({ accountSid: c.env.account.accountSid, to, from, now: new Date(now) });
  const events = Array.isArray(input.statusCallbackEvent) ? (input.statusCallbackEvent as readonly string[]) : [];
  const record = keep({
    kind: 'Calls',
    sid: resource.sid,
    accountSid: resource.account_sid,
    created: now,
    speed: c.env.speed,
    resource: { ...resource },
    steps: callSteps(to, input.timeout === undefined ? undefined : Number(input.timeout)),
    // With an ApplicationSid, Twilio ignores the request's callback parameters for the Application's own.
    callback:
      typeof input.statusCallback === 'string' && input.applicationSid === undefined
        ? {
            url: input.statusCallback,
            method: input.statusCallbackMethod === 'GET' ? 'GET' : 'POST',
            events: new Set(events.length > 0 ? events : ['completed']),
          }
        : undefined,
  });
  follow(c, record);
  return c.json(view(record, now), 201);
});

for (const kind of RESOURCES) {
  emulator.get(`${ACCOUNT_PATH}/${kind}.json`, (c) => {
    const query = new URL(c.req.url).searchParams;
    const read = readForm(kind === 'Messages' ? listMessages : listCalls, query);
    if ('refusal' in read) return refuse(c, read.refusal);
    const answer = listPage(c.env.account.accountSid, kind, query, nowOf(c));
    return 'refusal' in answer ? refuse(c, answer.refusal) : c.json(answer.page);
  });

  /** The record a path names (`…/Messages/SM….json`), or the 404 Twilio answers. */
  const recordOf = (c: Context<Env>) => {
    const sid = /^(.*)\.json$/.exec(c.req.param('file') ?? '')?.[1] ?? '';
    return SIDS[kind].test(sid) ? find(c.env.account.accountSid, kind, sid) : undefined;
  };
  const path = `${ACCOUNT_PATH}/${kind}/:file`;

  emulator.get(path, (c) => {
    const record = recordOf(c);
    return record ? c.json(view(record, nowOf(c))) : notFound(c);
  });

  emulator.delete(path, (c) => {
    const record = recordOf(c);
    if (!record) return notFound(c);
    const status = current(record, nowOf(c)).status;
    if (!(kind === 'Messages' ? MESSAGE_FINAL : CALL_FINAL).has(status)) return refuse(c, NOT_COMPLETE);
    forget(record);
    return c.body(null, 204);
  });

  emulator.post(path, async (c) => {
    const record = recordOf(c);
    if (!record) return notFound(c);
    const form = await formOf(c);
    const now = nowOf(c);
    let refusal: Refusal | undefined;
    if (kind === 'Messages') refusal = updateMessage(record, form, now);
    else {
      const read = readForm(updateCallBlock, form, { sid: record.sid });
      refusal = 'refusal' in read ? read.refusal : updateCall(record, read.input, now);
    }
    if (refusal) return refuse(c, refusal);
    follow(c, record);
    return c.json(view(record, now));
  });
}

/** Twilio's answer to an UpdateMessage body it cannot use: neither or both of Body and Status, or other values. */
const MESSAGE_UPDATE_INVALID: Refusal = { code: 30400, message: 'Parameters are not valid' };

/** UpdateMessage: `Status=canceled` cancels a scheduled message; `Body=""` redacts the body; one of them only. */
function updateMessage(record: SandboxRecord, form: URLSearchParams, now: number): Refusal | undefined {
  const status = form.get('Status');
  const body = form.get('Body');
  if ((status === null) === (body === null)) return MESSAGE_UPDATE_INVALID;
  if (status !== null) {
    if (status !== 'canceled') return MESSAGE_UPDATE_INVALID;
    if (current(record, now).status !== 'scheduled') return NOT_CANCELABLE;
    endNow(record, now, { status: 'canceled' });
    return undefined;
  }
  if (body !== '') return MESSAGE_UPDATE_INVALID;
  (record.resource as { body: string }).body = '';
  record.edited = elapsed(record, now);
  return undefined;
}

/**
 * UpdateCall, its parameters checked by the updateCall block's table: `Status=completed` hangs up (a call not yet
 * answered ends `canceled`), `Status=canceled` ends a call that is queued or ringing and leaves one in progress
 * alone, a new Url or Twiml redirects a live call; StatusCallback and StatusCallbackMethod change where the rest of
 * its callbacks go. A call that is over takes no update.
 */
function updateCall(record: SandboxRecord, input: BlockInput, now: number): Refusal | undefined {
  const at = current(record, now);
  if (CALL_FINAL.has(at.status)) return NOT_LIVE;
  const callbackUrl = input.statusCallback === undefined ? undefined : String(input.statusCallback);
  const method = input.statusCallbackMethod === undefined ? undefined : String(input.statusCallbackMethod);
  if (callbackUrl !== undefined || method !== undefined) {
    const url = callbackUrl ?? record.callback?.url;
    record.callback = url
      ? { url, method: method === 'GET' ? 'GET' : 'POST', events: record.callback?.events ?? new Set(['completed']) }
      : undefined;
  }
  const answered = at.status === 'in-progress';
  if (input.status === 'completed' || (input.status === 'canceled' && !answered)) {
    endNow(record, now, { status: answered ? 'completed' : 'canceled', event: 'completed' });
  } else if (input.url !== undefined || input.twiml !== undefined) {
    record.edited = elapsed(record, now);
  }
  return undefined;
}

emulator.notFound(notFound);

emulator.onError((_err, c) =>
  refuse(c, { code: 20500, message: 'An internal server error has occurred', status: 500 }),
);
