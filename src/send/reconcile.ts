import { getCall } from '../blocks/call-records';
import { getMessage } from '../blocks/message-records';
import { readConfig } from '../config';
import type { GatewayError } from '../errors';
import { metricsOf } from '../metrics';
import { type PendingSid, pendingIndex } from '../status/pending';
import { isFinal } from '../status/rank';
import type { StatusUpdate } from '../status/update';
import { sendPoint } from './measure';
import { send } from './send';

/** What one run did, for its log line and the tests. */
export interface ReconcileRun {
  /** SIDs taken from the index. */
  readonly due: number;
  /** Fetches made from Twilio. */
  readonly fetched: number;
  /** Statuses recorded that moved a record on. */
  readonly recorded: number;
  /** SIDs now final (or gone from Twilio), no longer pending. */
  readonly settled: number;
  /** True when Twilio answered 429 or 5xx and the run stopped early. */
  readonly backedOff: boolean;
}

/** The caller reconciliation sends as: the Worker itself, spending its stored credentials. */
const RECONCILER = { kind: 'key', id: 'reconcile' } as const;
/** The longest wait before a still-pending SID is fetched again. */
const MAX_RECHECK_S = 6 * 3600;
/** The shortest, whatever RECONCILE_AFTER_S says. */
const MIN_RECHECK_S = 60;

/** When a SID fetched `tries` times is asked again: RECONCILE_AFTER_S (at least a minute), doubled each time. */
const recheckAt = (now: number, after: number, tries: number) =>
  now + Math.min(MAX_RECHECK_S, Math.max(after, MIN_RECHECK_S) * 2 ** tries) * 1000;

/**
 * The scheduled reconciliation (a Cron Trigger): the oldest tracked SIDs still not final RECONCILE_AFTER_S after
 * their send, at most RECONCILE_BATCH of them, are fetched from Twilio with the Worker's stored credentials (the
 * send pipeline's fetch, with its retry rule) and the answer recorded in the SID's StatusStore as a callback
 * would be: the same ordering, deduplication and forwarding. A final SID leaves the index; a 429 or 5xx ends the
 * run (the rest waits for the next), and that SID is asked again later. Does nothing unless TRACK_STATUS is on.
 */
export async function reconcile(env: Env, waitUntil: (promise: Promise<unknown>) => void): Promise<ReconcileRun> {
  const config = readConfig(env);
  const run = { due: 0, fetched: 0, recorded: 0, settled: 0, backedOff: false };
  const index = pendingIndex(env);
  const stores = (env as Partial<Env>).STATUS;
  if (!config.TRACK_STATUS || !index || !stores) return run;
  const now = Date.now();
  const due = await index.due(now, config.RECONCILE_BATCH, now - config.RECONCILE_GIVE_UP_S * 1000);
  run.due = due.length;
  const metrics = metricsOf(env);
  const ctx = { config, caller: RECONCILER, callbacks: false, waitUntil, env };
  for (const pending of due) {
    const store = stores.get(stores.idFromName(pending.sid));
    const history = await store.history();
    if (history && isFinal(history.status)) {
      await index.done(pending.sid);
      run.settled += 1;
      continue;
    }
    const block = pending.kind === 'call' ? getCall : getMessage;
    const outcome = await send(block, { sid: pending.sid }, ctx);
    run.fetched += 1;
    const success = outcome.ok ? String(outcome.resource.status) : undefined;
    const to = outcome.ok && typeof outcome.resource.to === 'string' ? { to: outcome.resource.to } : {};
    metrics?.write(sendPoint('reconcile', block.name, to, RECONCILER, outcome, success));
    if (!outcome.ok) {
      if (gone(outcome.error)) {
        await index.done(pending.sid);
        run.settled += 1;
        continue;
      }
      await index.later(pending.sid, recheckAt(now, config.RECONCILE_AFTER_S, pending.tries));
      if (overloaded(outcome.error)) {
        run.backedOff = true;
        break;
      }
      continue;
    }
    const update = asUpdate(pending, outcome.resource);
    if (!update) {
      await index.later(pending.sid, recheckAt(now, config.RECONCILE_AFTER_S, pending.tries));
      continue;
    }
    const recorded = await store.record(update, {
      correlationId: pending.correlationId,
      forward: pending.forward ?? undefined,
    });
    if (recorded.recorded) run.recorded += 1;
    // Forwarded after the run's own work, as the receiver does: a failure is retried by the store's alarm.
    if (recorded.pending) waitUntil(store.flush());
    if (isFinal(recorded.status)) {
      await index.done(pending.sid);
      run.settled += 1;
    } else await index.later(pending.sid, recheckAt(now, config.RECONCILE_AFTER_S, pending.tries));
  }
  return run;
}

/** Twilio has no such record (deleted, or another account's): nothing will ever come for it. */
const gone = (error: GatewayError) => error.detail.twilioStatus === 404;
/** Twilio is busy or failing: the run stops asking. */
const overloaded = (error: GatewayError) => {
  const status = error.detail.twilioStatus;
  return status === 429 || (status !== undefined && status >= 500) || error.status >= 502;
};

/**
 * A fetched record as a status update, as its callback would have carried it: the status, the error code, the
 * account, and Twilio's fields under their callback names. Its token is the status itself, so a second run that
 * finds the same status records nothing again, and a callback that does come with it is no second entry.
 */
function asUpdate(pending: PendingSid, resource: Record<string, unknown>): StatusUpdate | undefined {
  const { status, accountSid, errorCode } = resource;
  if (typeof status !== 'string' || accountSid !== pending.accountSid) return undefined;
  const code = errorCode === null || errorCode === undefined ? null : String(errorCode);
  const [sidName, statusName] = pending.kind === 'call' ? ['CallSid', 'CallStatus'] : ['MessageSid', 'MessageStatus'];
  const fields: Record<string, string> = { AccountSid: accountSid, [sidName]: pending.sid, [statusName]: status };
  if (code !== null) fields.ErrorCode = code;
  return {
    sid: pending.sid,
    kind: pending.kind,
    accountSid,
    status,
    errorCode: code,
    at: new Date().toISOString(),
    token: `reconcile:${status}`,
    fields,
    reconciled: true,
  };
}
