import { DurableObject } from 'cloudflare:workers';
import type { Config } from '../config';
import type { Tracking } from './store';

/** A tracked send still waiting for its final status: what reconciliation needs to fetch and record it. */
export interface PendingSid {
  readonly sid: string;
  readonly kind: 'message' | 'call';
  readonly accountSid: string;
  readonly correlationId: string;
  /** The caller's statusCallback (status/track.ts), where updates are forwarded. */
  readonly forward: string | null;
  /** When it was sent (ms since the epoch). */
  readonly sent: number;
  /** Fetches made so far. */
  readonly tries: number;
}

/** The most SIDs the index holds; past it, the oldest are dropped (they are the nearest to giving up anyway). */
export const MAX_PENDING = 100_000;
/** The index's one object: a query across SIDs ("the oldest due") needs them in one place. */
const INDEX_NAME = 'pending';

/**
 * The index of tracked SIDs not yet known final (a SQLite-backed Durable Object, one for the Worker): a tracked
 * send adds its SID; the scheduled reconciliation takes the oldest due, and removes a SID once final or given up.
 * Bounded by MAX_PENDING rows; a row expires when its give-up time has passed (see `due`).
 */
export class PendingIndex extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The rows, counted once at start and kept in step, so that a send's add reads no other row. */
  private count: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS pending (
      sid TEXT PRIMARY KEY, kind TEXT NOT NULL, account TEXT NOT NULL, cid TEXT NOT NULL, forward TEXT,
      sent INTEGER NOT NULL, due INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0)`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS pending_due ON pending (due)');
    this.sql.exec('CREATE INDEX IF NOT EXISTS pending_sent ON pending (sent)');
    this.count = this.size();
  }

  /** Adds a tracked SID, first due at `due`; a SID already there is left as it is. */
  add(entry: Omit<PendingSid, 'tries'>, due: number): void {
    const { sid, kind, accountSid, correlationId, forward, sent } = entry;
    this.sql.exec(
      'INSERT OR IGNORE INTO pending (sid, kind, account, cid, forward, sent, due) VALUES (?, ?, ?, ?, ?, ?, ?)',
      sid,
      kind,
      accountSid,
      correlationId,
      forward,
      sent,
      due,
    );
    this.count += this.changed();
    if (this.count > MAX_PENDING) {
      this.remove('DELETE FROM pending WHERE sid IN (SELECT sid FROM pending ORDER BY sent LIMIT ?)', 1);
    }
  }

  /**
   * The SIDs due at `now`, oldest send first, at most `limit`; first, every SID sent before `giveUpBefore` is
   * dropped: reconciliation has given up on it.
   */
  due(now: number, limit: number, giveUpBefore: number): PendingSid[] {
    this.remove('DELETE FROM pending WHERE sent < ?', giveUpBefore);
    return this.sql
      .exec<{
        sid: string;
        kind: string;
        account: string;
        cid: string;
        forward: string | null;
        sent: number;
        tries: number;
      }>(
        'SELECT sid, kind, account, cid, forward, sent, tries FROM pending WHERE due <= ? ORDER BY sent LIMIT ?',
        now,
        limit,
      )
      .toArray()
      .map((row) => ({
        sid: row.sid,
        kind: row.kind === 'call' ? 'call' : 'message',
        accountSid: row.account,
        correlationId: row.cid,
        forward: row.forward,
        sent: row.sent,
        tries: row.tries,
      }));
  }

  /** Asks again at `due`, one more fetch counted. */
  later(sid: string, due: number): void {
    this.sql.exec('UPDATE pending SET due = ?, tries = tries + 1 WHERE sid = ?', due, sid);
  }

  /** Forgets a SID: its status is final, or Twilio has no such record. */
  done(sid: string): void {
    this.remove('DELETE FROM pending WHERE sid = ?', sid);
  }

  private remove(query: string, binding: string | number): void {
    this.sql.exec(query, binding);
    this.count -= this.changed();
  }

  /** The rows the last statement inserted or deleted (an index's own writes not counted). */
  private changed(): number {
    return this.sql.exec<{ n: number }>('SELECT changes() AS n').one().n;
  }

  /** How many SIDs wait (for the docs' cost estimate and the tests). */
  size(): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM pending').one().n;
  }
}

/** The index, or undefined without the PENDING binding. */
export function pendingIndex(env: Partial<Env>): DurableObjectStub<PendingIndex> | undefined {
  const namespace = env.PENDING;
  return namespace?.get(namespace.idFromName(INDEX_NAME));
}

/**
 * Puts a tracked send's SID in the index, due RECONCILE_AFTER_S after now. Never fails the send: without the
 * PENDING binding nothing is indexed, and an index that did not answer is logged (its kind only).
 */
export async function expectFinal(
  env: Partial<Env> | undefined,
  resource: 'Messages' | 'Calls',
  record: Record<string, unknown>,
  tracking: Tracking,
  config: Config,
): Promise<void> {
  const index = pendingIndex(env ?? {});
  const { sid, accountSid } = record;
  if (!index || typeof sid !== 'string' || typeof accountSid !== 'string' || !tracking.correlationId) return;
  const sent = Date.now();
  const entry = {
    sid,
    kind: resource === 'Calls' ? ('call' as const) : ('message' as const),
    accountSid,
    correlationId: tracking.correlationId,
    forward: tracking.forward ?? null,
    sent,
  };
  try {
    await index.add(entry, sent + config.RECONCILE_AFTER_S * 1000);
  } catch (err) {
    console.error(JSON.stringify({ pendingIndex: 'unavailable', error: err instanceof Error ? err.name : typeof err }));
  }
}
