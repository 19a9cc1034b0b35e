import type { Resource } from '../twilio/api';
import { rfc2822 } from '../twilio/resources';
import { CALL_ENDINGS, DELIVERY_FAILURES, phoneOf } from './numbers';

/**
 * What the emulator remembers: each created Message and Call with its timeline, on a clock of its own that
 * runs SANDBOX_SPEED times faster than real time from the moment it was created. Nothing advances in the
 * background: a read computes where the record stands now, and the callbacks report the same moments.
 * Kept in this isolate's memory, at most MAX_RECORDS, the oldest forgotten first.
 */

/** One moment of a record's life: the status it enters, when (simulated ms after creation), what it reports. */
export interface Step {
  readonly status: string;
  readonly at: number;
  /** The call progress event this moment is (initiated, ringing, answered, completed); none for messages. */
  readonly event?: string;
  /** Twilio's error code of a failure ending. */
  readonly errorCode?: number;
  /** The SIP response code a call's end reports (SipResponseCode), where it is not 200 or 487. */
  readonly sip?: number;
}

/** Where a record's status callbacks go; for calls, which events were asked for. */
export interface CallbackTarget {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly events?: ReadonlySet<string>;
}

/** A created Message or Call. */
export interface SandboxRecord {
  readonly kind: Resource;
  readonly sid: string;
  readonly accountSid: string;
  /** Creation order, for newest-first lists and page tokens. */
  readonly seq: number;
  /** Real time of creation (ms since the epoch); the record's clock starts there. */
  readonly created: number;
  /** Simulated ms per real ms, fixed at creation. */
  readonly speed: number;
  /** The resource as created (status and dates are computed by `view`); edits (a redacted body) land here. */
  readonly resource: Record<string, unknown>;
  /** The timeline, in order; the first step is the status at creation. */
  steps: readonly Step[];
  /** Simulated ms of the last edit that is not a status change (a redaction, a redirect). */
  edited: number;
  callback: CallbackTarget | undefined;
  /** How many steps have had their callback sent (or skipped). */
  reported: number;
  /** How many call progress callbacks were sent: the next SequenceNumber. */
  sequence: number;
  /** Whether a delivery loop is running for this record. */
  delivering: boolean;
  /**
   * For a record that outlives a request's window: the timeline and target last handed to its LateCallbacks
   * object, which then sends all its callbacks (no loop runs for it).
   */
  late?: { readonly steps: readonly Step[]; readonly callback: CallbackTarget };
}

/** How many records one isolate keeps; the oldest is forgotten first. */
export const MAX_RECORDS = 1000;

const records = new Map<string, SandboxRecord>();
let counter = 0;

/** Keeps a new record, forgetting the oldest beyond MAX_RECORDS. */
export function keep(
  draft: Omit<SandboxRecord, 'seq' | 'edited' | 'reported' | 'sequence' | 'delivering'>,
): SandboxRecord {
  const record: SandboxRecord = { ...draft, seq: ++counter, edited: 0, reported: 1, sequence: 0, delivering: false };
  records.set(record.sid, record);
  for (const sid of records.keys()) {
    if (records.size <= MAX_RECORDS) break;
    records.delete(sid);
  }
  return record;
}

/** A kept record of this account and collection, or undefined. */
export function find(accountSid: string, kind: Resource, sid: string): SandboxRecord | undefined {
  const record = records.get(sid);
  return record && record.accountSid === accountSid && record.kind === kind ? record : undefined;
}

/** Whether the record is still kept (not deleted, not evicted). */
export const isKept = (record: SandboxRecord) => records.get(record.sid) === record;

/** Forgets a record (a DELETE). */
export function forget(record: SandboxRecord): void {
  records.delete(record.sid);
}

/** The records of an account and collection, newest first. */
export function listOf(accountSid: string, kind: Resource): SandboxRecord[] {
  const out: SandboxRecord[] = [];
  for (const record of records.values()) if (record.accountSid === accountSid && record.kind === kind) out.push(record);
  return out.reverse();
}

// ---- the clock ----

/** Simulated ms since the record was created, at real time `now`. */
export const elapsed = (record: SandboxRecord, now: number) => Math.max(0, (now - record.created) * record.speed);

/** The simulated date of a moment of the record. */
export const dateAt = (record: SandboxRecord, at: number) => new Date(record.created + at);

/** The real time (ms since the epoch) at which a moment of the record happens. */
export const realAt = (record: SandboxRecord, at: number) => record.created + at / record.speed;

/** The steps that have happened by real time `now`. */
export function reached(record: SandboxRecord, now: number): readonly Step[] {
  const t = elapsed(record, now);
  const out = record.steps.filter((step) => step.at <= t);
  return out.length > 0 ? out : record.steps.slice(0, 1);
}

/** The step the record stands at now. */
export const current = (record: SandboxRecord, now: number) => reached(record, now).at(-1) as Step;

/** Ends the timeline at the record's present moment with `step` (what had not happened yet will not). */
export function endNow(record: SandboxRecord, now: number, step: Omit<Step, 'at'>): void {
  record.steps = [...reached(record, now), { ...step, at: Math.max(elapsed(record, now), current(record, now).at) }];
}

// ---- timelines ----

const S = 1000;

/** Message statuses after which nothing changes but a read receipt. */
export const MESSAGE_FINAL: ReadonlySet<string> = new Set([
  'delivered',
  'undelivered',
  'failed',
  'canceled',
  'read',
  'received',
]);

/** Call statuses of a call that is over. */
export const CALL_FINAL: ReadonlySet<string> = new Set(['completed', 'canceled', 'busy', 'failed', 'no-answer']);

/** Seconds an emulated call lasts once answered. */
export const CALL_SECONDS = 7;

/**
 * A message's timeline: (accepted or scheduled →) queued → sending → sent → delivered (→ read on WhatsApp), or
 * the failure ending its To number asks for (DELIVERY_FAILURES). `queuedAt` is when it leaves accepted or
 * scheduled (0 when it starts queued).
 */
export function messageSteps(to: string, first: 'queued' | 'accepted' | 'scheduled', queuedAt: number): Step[] {
  const start: Step[] = first === 'queued' ? [] : [{ status: first, at: 0 }];
  const t = queuedAt;
  const steps = [...start, { status: 'queued', at: t }, { status: 'sending', at: t + 1 * S }];
  const failure = DELIVERY_FAILURES[phoneOf(to)];
  if (failure?.status === 'failed') return [...steps, { status: 'failed', at: t + 2 * S, errorCode: failure.code }];
  steps.push({ status: 'sent', at: t + 2 * S });
  if (failure) return [...steps, { status: 'undelivered', at: t + 4 * S, errorCode: failure.code }];
  steps.push({ status: 'delivered', at: t + 4 * S });
  if (to.toLowerCase().startsWith('whatsapp:')) steps.push({ status: 'read', at: t + 6 * S });
  return steps;
}

/** Seconds a call rings before it ends `no-answer`, when the request gives no Timeout (Twilio's default). */
export const RING_SECONDS = 60;

/**
 * A call's timeline: queued (initiated) → ringing → in-progress (answered) → completed after CALL_SECONDS, or the
 * ending its To number asks for (CALL_ENDINGS): busy instead of ringing, no-answer after ringing `ringSeconds`,
 * failed before ringing.
 */
export function callSteps(to: string, ringSeconds = RING_SECONDS): Step[] {
  const initiated: Step[] = [
    { status: 'queued', at: 0 },
    { status: 'queued', at: 0.5 * S, event: 'initiated' },
  ];
  const ending = CALL_ENDINGS[to];
  const ended = (status: string, at: number): Step => ({ status, at, event: 'completed', sip: ending?.sip ?? 487 });
  if (ending?.status === 'failed') return [...initiated, ended('failed', 1 * S)];
  if (ending?.status === 'busy') return [...initiated, ended('busy', 1.5 * S)];
  const ringing: Step = { status: 'ringing', at: 1.5 * S, event: 'ringing' };
  if (ending) return [...initiated, ringing, ended('no-answer', (1.5 + ringSeconds) * S)];
  return [
    ...initiated,
    ringing,
    { status: 'in-progress', at: 4.5 * S, event: 'answered' },
    { status: 'completed', at: (4.5 + CALL_SECONDS) * S, event: 'completed' },
  ];
}

// ---- what a read shows ----

const date = (record: SandboxRecord, step: Step | undefined) => (step ? rfc2822(dateAt(record, step.at)) : null);

/**
 * Whole seconds between two moments of a record, as its dates show them (RFC 2822 has whole seconds), so that
 * `duration` is exactly `end_time - start_time`.
 */
export const secondsBetween = (record: SandboxRecord, from: number, to: number) =>
  Math.floor((record.created + to) / S) - Math.floor((record.created + from) / S);

/** The resource as Twilio would show it at real time `now`: status, dates, duration and errors from the clock. */
export function view(record: SandboxRecord, now: number): Record<string, unknown> {
  const happened = reached(record, now);
  const last = happened.at(-1) as Step;
  const updated = Math.max(last.at, record.edited);
  const common = { ...record.resource, status: last.status, date_updated: rfc2822(dateAt(record, updated)) };
  if (record.kind === 'Messages') {
    return {
      ...common,
      date_sent: date(
        record,
        happened.find((step) => step.status === 'sending'),
      ),
      error_code: last.errorCode ?? null,
    };
  }
  const answered = happened.find((step) => step.event === 'answered');
  const ended = CALL_FINAL.has(last.status) ? last : undefined;
  return {
    ...common,
    start_time: date(record, answered),
    end_time: date(record, ended),
    duration: ended ? String(answered ? secondsBetween(record, answered.at, ended.at) : 0) : null,
  };
}
