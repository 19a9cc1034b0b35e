import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config';
import { isPublicTarget } from '../limits/public-target';
import { sidPattern } from '../twilio/api';
import { forward, type Outgoing } from './forward';
import { advances, type Ordered, rankOf } from './rank';
import type { TimelineEntry } from './shapes';
import type { StatusUpdate } from './update';

/** A SID's status history: its current status and error code, and every status received, in order. */
export interface StatusHistory {
  readonly sid: string;
  readonly kind: 'message' | 'call';
  readonly accountSid: string;
  readonly status: string;
  readonly errorCode: string | null;
  readonly updated: string;
  readonly timeline: readonly TimelineEntry[];
}

/** Where a tracked send's updates go (status/track.ts put it in the callback URL Twilio was given). */
export interface Tracking {
  readonly correlationId?: string | undefined;
  readonly forward?: string | undefined;
}

/** The receiver's answer about one callback. */
export interface Recorded {
  /**
   * False when nothing was kept: a retry of a recorded event (same token), a status already in the history, or
   * a late status the full timeline (MAX_TIMELINE) had no room for. Twilio gets a 2xx either way.
   */
  readonly recorded: boolean;
  readonly status: string;
  /** Updates wait to be forwarded. */
  readonly pending: boolean;
}

interface Pending extends Outgoing {
  attempts: number;
  /** Not before (ms since the epoch). */
  next: number;
}

interface State {
  history: StatusHistory & { timeline: TimelineEntry[] };
  current: Ordered;
  tokens: string[];
  tracking?: Tracking;
  outbox: Pending[];
  /** Updates queued for forwarding so far: numbers the webhook ids. */
  queued: number;
  expires: number;
}

/** Bounds of one SID's record: Twilio sends a handful of callbacks per message or call. */
const MAX_TIMELINE = 32;
const MAX_TOKENS = 64;
const MAX_OUTBOX = 32;
/** Attempts of one forward, then it is dropped and the next one goes. */
export const MAX_FORWARD_ATTEMPTS = 6;
/** The delay before attempt n + 1, after n failed: 30 s, 2 min, 10 min, 1 h, 4 h. */
export const BACKOFF_MS = [30e3, 120e3, 600e3, 3600e3, 14_400e3];
/** A forward not yet attempted is attempted by the alarm after this long, if the receiver's attempt was lost. */
const GRACE_MS = 30e3;
const DAY_MS = 86_400e3;
/** The SIDs a history is kept for: messages and calls. */
const RECORD_SID = sidPattern('SM|MM|CA');

const order = (e: TimelineEntry) => [e.sequence ?? rankOf(e.status), Date.parse(e.at)] as const;
const before = (a: TimelineEntry, b: TimelineEntry) => {
  const [x, y] = [order(a), order(b)];
  return x[0] - y[0] || x[1] - y[1];
};

/**
 * The status history of one message or call SID (a SQLite-backed Durable Object per SID): every callback is
 * recorded once (Twilio's retries carry the same token), in order (status/rank.ts), and each update that moves
 * the record forwards is forwarded, in order, to the caller's URL, retried with backoff (its alarm) up to
 * MAX_FORWARD_ATTEMPTS. The record is deleted by the alarm STATUS_RETENTION_DAYS after its last update.
 */
export class StatusStore extends DurableObject<Env> {
  private state: State | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.state = await ctx.storage.get<State>('state');
    });
  }

  /** Records one callback (see the class); `tracking` comes from the URL Twilio called. */
  async record(update: StatusUpdate, tracking: Tracking): Promise<Recorded> {
    const now = Date.now();
    const state = this.state ?? fresh(update);
    const { history } = state;
    if (state.tokens.includes(update.token)) return { recorded: false, status: history.status, pending: false };
    state.tokens = [...state.tokens, update.token].slice(-MAX_TOKENS);
    if (tracking.correlationId && !state.tracking) state.tracking = tracking;
    const entry: TimelineEntry = {
      status: update.status,
      at: update.at,
      receivedAt: new Date(now).toISOString(),
      errorCode: update.errorCode,
      ...(update.sequence === undefined ? {} : { sequence: update.sequence }),
      ...(update.reconciled ? { reconciled: true } : {}),
    };
    const moves = history.timeline.length === 0 || advances(state.current, update);
    const seen = history.timeline.some((e) => e.status === entry.status && e.sequence === entry.sequence);
    const kept = !seen && history.timeline.length < MAX_TIMELINE;
    if (kept) {
      history.timeline.push(moves ? entry : { ...entry, late: true });
      history.timeline.sort(before);
    }
    if (moves) {
      state.current = { status: update.status, sequence: update.sequence };
      state.history = { ...history, status: update.status, errorCode: update.errorCode, updated: entry.receivedAt };
      const url = state.tracking?.forward;
      if (url && isPublicTarget(url) && state.outbox.length < MAX_OUTBOX) {
        state.outbox.push({ ...outgoing(state, update, entry), attempts: 0, next: now });
      }
    }
    state.expires = now + readConfig(this.env).STATUS_RETENTION_DAYS * DAY_MS;
    this.state = state;
    await this.save(state);
    return { recorded: moves || kept, status: state.history.status, pending: state.outbox.length > 0 };
  }

  /** The history, or null when this SID has none. */
  async history(): Promise<StatusHistory | null> {
    return this.state?.history ?? null;
  }

  /**
   * Forwards what is due, in order, one after the other (calls are chained, never concurrent): a failure
   * schedules its next attempt on the alarm and stops the queue behind it, so the caller never sees a later
   * update first. `force` (the alarm) attempts the head even before its time.
   */
  flush(force = false): Promise<void> {
    this.flushing = this.flushing.then(() => this.drain(force)).catch(() => {});
    return this.flushing;
  }

  private async drain(force: boolean): Promise<void> {
    const state = this.state;
    const url = state?.tracking?.forward;
    if (!state || !url) return;
    const secrets = readConfig(this.env).WEBHOOK_SECRETS ?? [];
    for (let head = state.outbox[0]; head && (force || head.next <= Date.now()); head = state.outbox[0]) {
      const ok = await forward(url, head, secrets);
      if (ok || head.attempts + 1 >= MAX_FORWARD_ATTEMPTS) state.outbox.shift();
      else {
        head.attempts += 1;
        head.next = Date.now() + (BACKOFF_MS[head.attempts - 1] ?? DAY_MS);
      }
      if (this.state !== state) return;
      await this.save(state);
      if (!ok && state.outbox[0] === head) return;
    }
  }

  /** Forwards what is due (retries), or, once the retention has passed, forgets the SID. */
  override async alarm(): Promise<void> {
    const state = this.state;
    if (!state) return;
    if (Date.now() >= state.expires) {
      this.state = undefined;
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.flush(true);
    await this.save(state);
  }

  /** Stores the state and sets the alarm: the next forward due (not before GRACE_MS), else the expiry. */
  private async save(state: State): Promise<void> {
    await this.ctx.storage.put('state', state);
    const head = state.outbox[0];
    const due = head ? Math.max(head.next, Date.now() + GRACE_MS) : Number.POSITIVE_INFINITY;
    await this.ctx.storage.setAlarm(Math.min(due, state.expires));
  }
}

/** A SID's first record. */
function fresh(update: StatusUpdate): State {
  const { sid, kind, accountSid, status, errorCode } = update;
  return {
    history: { sid, kind, accountSid, status, errorCode, updated: '', timeline: [] },
    current: { status },
    tokens: [],
    outbox: [],
    queued: 0,
    expires: 0,
  };
}

/**
 * An update as the caller receives it: a Standard Webhooks payload (`type`, `timestamp`, `data`) with the
 * status, its error code, when it happened and was received, the send's correlation id and Twilio's fields.
 * Its id is stable across attempts: a receiver drops a repeat by `webhook-id`.
 */
function outgoing(state: State, update: StatusUpdate, entry: TimelineEntry): Outgoing {
  state.queued += 1;
  const { sid, kind, accountSid, status, errorCode, sequence, fields } = update;
  const data = {
    sid,
    accountSid,
    status,
    errorCode,
    sequenceNumber: sequence ?? null,
    receivedAt: entry.receivedAt,
    correlationId: state.tracking?.correlationId ?? null,
    fields,
    ...(update.reconciled ? { reconciled: true } : {}),
  };
  const id = `msg_${sid}_${state.queued}`;
  return { id, body: JSON.stringify({ type: `${kind}.status`, timestamp: entry.at, data }) };
}

/** The status history of `sid` (historyOf for the reads), or undefined: none, or no STATUS binding. */
export async function historyOf(env: Partial<Env>, sid: string): Promise<StatusHistory | undefined> {
  const namespace = env.STATUS;
  if (!namespace || !RECORD_SID.test(sid)) return undefined;
  const history = await namespace.get(namespace.idFromName(sid)).history();
  return (history ?? undefined) as StatusHistory | undefined;
}
