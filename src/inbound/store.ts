import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config';
import { forward, type Outgoing } from '../status/forward';
import { BACKOFF_MS, MAX_FORWARD_ATTEMPTS } from '../status/store';

/** A message or call Twilio delivered to one of the owner's numbers, as kept and listed. */
export interface Received {
  readonly sid: string;
  readonly kind: 'message' | 'call';
  readonly from: string;
  readonly to: string;
  readonly body: string | null;
  readonly messagingServiceSid: string | null;
  readonly receivedAt: string;
  /** Every field Twilio sent (media URLs, location, WhatsApp's ProfileName…). */
  readonly fields: Readonly<Record<string, string>>;
}

/** A page of a number's messages, newest first; `next` is where the next page starts, when there is one. */
export interface ReceivedPage {
  readonly messages: readonly Received[];
  readonly next: string | null;
}

/** What a list asks for: a sender, a time window (ms since the epoch), a page size and where to start. */
export interface ListQuery {
  readonly from?: string | undefined;
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly limit: number;
  readonly pageToken?: string | undefined;
}

/** Messages kept per number at most; past it the oldest go first. */
export const MAX_KEPT = 10_000;
/**
 * Forwards waiting per number at most; past it the oldest is dropped. Larger than a status record's 32: a number
 * receives many messages, and they pile up behind one forward that waits for its retries (hours).
 */
export const MAX_OUTBOX = 1_000;
const DAY_MS = 86_400e3;
/** A forward not yet attempted is attempted by the alarm after this long, if the request's attempt was lost. */
const GRACE_MS = 30e3;

type Row = { sid: string; received: number; data: string };

/** What recording a message found: whether it is new, and whether its keyword was already applied (a retry). */
export interface Receipt {
  readonly first: boolean;
  readonly keywordApplied: boolean;
  /** When the message first arrived (ms since the epoch): a retry's keyword is ordered by it. */
  readonly receivedAt: number;
}
type Pending = { id: string; url: string; body: string; attempts: number; next: number };

/**
 * What one Twilio number (or address) received: a SQLite-backed Durable Object per number. A message or call is
 * recorded once by its SID (Twilio's retries carry the same one, so they act once), kept INBOUND_RETENTION_DAYS
 * and at most MAX_KEPT, and its forwards are queued here, attempted in order and retried by the alarm as status
 * forwards are (status/forward.ts: public URLs only, Standard Webhooks signatures, bounded).
 */
export class InboundStore extends DurableObject<Env> {
  private draining: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS received (sid TEXT PRIMARY KEY, kind TEXT NOT NULL,
      sender TEXT NOT NULL, received INTEGER NOT NULL, data TEXT NOT NULL, applied INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS received_by_time ON received (kind, received);
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, url TEXT NOT NULL,
      body TEXT NOT NULL, attempts INTEGER NOT NULL, next INTEGER NOT NULL)`);
    // A store created before keywords were marked lacks the column.
    if (!sql.exec("SELECT 1 FROM pragma_table_info('received') WHERE name = 'applied'").toArray().length) {
      sql.exec('ALTER TABLE received ADD COLUMN applied INTEGER NOT NULL DEFAULT 0');
    }
  }

  /**
   * Records what arrived, once per SID, with its forward queued (when `forwardTo` is given). A retry (a SID already
   * recorded) records nothing again: `first` is false, and `keywordApplied` says whether its keyword was.
   */
  async receive(received: Received, forwardTo?: string): Promise<Receipt> {
    const sql = this.ctx.storage.sql;
    const [seen] = sql
      .exec<{ applied: number; received: number }>('SELECT applied, received FROM received WHERE sid = ?', received.sid)
      .toArray();
    if (seen) return { first: false, keywordApplied: seen.applied === 1, receivedAt: seen.received };
    const now = Date.parse(received.receivedAt);
    const [row] = sql
      .exec<{ id: number }>(
        'INSERT INTO received (sid, kind, sender, received, data) VALUES (?, ?, ?, ?, ?) RETURNING rowid AS id',
        received.sid,
        received.kind,
        received.from,
        now,
        JSON.stringify(received),
      )
      .toArray();
    // Rows get rowids in the order they arrive: the bound is a range delete on the table's own key, not a sort.
    sql.exec('DELETE FROM received WHERE rowid <= ?', (row?.id ?? 0) - MAX_KEPT);
    if (forwardTo) this.enqueue(received, forwardTo, now);
    await this.schedule();
    return { first: true, keywordApplied: false, receivedAt: now };
  }

  /** Marks the keyword of the message `sid` applied: a retry of that message does not apply it again. */
  keywordApplied(sid: string): void {
    this.ctx.storage.sql.exec('UPDATE received SET applied = 1 WHERE sid = ?', sid);
  }

  /** Queues the forward of what arrived; past MAX_OUTBOX the oldest forward is dropped, and logged. */
  private enqueue(received: Received, url: string, now: number): void {
    const sql = this.ctx.storage.sql;
    const body = JSON.stringify({ type: `${received.kind}.received`, timestamp: received.receivedAt, data: received });
    const [row] = sql
      .exec<{ seq: number }>(
        'INSERT INTO outbox (id, url, body, attempts, next) VALUES (?, ?, ?, 0, ?) RETURNING seq',
        `msg_${received.sid}`,
        url,
        body,
        now,
      )
      .toArray();
    const dropped = sql
      .exec<{ id: string }>('DELETE FROM outbox WHERE seq <= ? RETURNING id', (row?.seq ?? 0) - MAX_OUTBOX)
      .toArray();
    for (const { id } of dropped) {
      console.error(JSON.stringify({ inbound: received.to, forward: id, error: 'dropped: the outbox is full' }));
    }
  }

  /** A page of messages, newest first, optionally from one sender and within a time window. */
  list(query: ListQuery): ReceivedPage {
    const [startAt, startSid] = (query.pageToken ?? '').split('_');
    const start = Number(startAt) || Number.MAX_SAFE_INTEGER;
    const rows = this.ctx.storage.sql
      .exec<Row>(
        `SELECT sid, received, data FROM received WHERE kind = 'message' AND received >= ? AND received < ?
          AND (? IS NULL OR sender = ?) AND (received < ? OR (received = ? AND sid < ?))
          ORDER BY received DESC, sid DESC LIMIT ?`,
        query.after ?? 0,
        query.before ?? Number.MAX_SAFE_INTEGER,
        query.from ?? null,
        query.from ?? null,
        start,
        start,
        startSid ?? '',
        query.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      messages: page.map((row) => JSON.parse(row.data) as Received),
      next: rows.length > query.limit && last ? `${last.received}_${last.sid}` : null,
    };
  }

  /** Forwards what is due, one after the other, in order; a failure waits for its next attempt (the alarm). */
  flush(force = false): Promise<void> {
    this.draining = this.draining.then(() => this.drain(force)).catch(() => {});
    return this.draining;
  }

  private async drain(force: boolean): Promise<void> {
    const sql = this.ctx.storage.sql;
    const secrets = readConfig(this.env).WEBHOOK_SECRETS ?? [];
    for (;;) {
      const [head] = sql.exec<Pending & { seq: number }>('SELECT * FROM outbox ORDER BY seq LIMIT 1').toArray();
      if (!head || (!force && head.next > Date.now())) break;
      const ok = await forward(head.url, head as Outgoing, secrets);
      if (ok || head.attempts + 1 >= MAX_FORWARD_ATTEMPTS) sql.exec('DELETE FROM outbox WHERE seq = ?', head.seq);
      else {
        const next = Date.now() + (BACKOFF_MS[head.attempts] ?? DAY_MS);
        sql.exec('UPDATE outbox SET attempts = attempts + 1, next = ? WHERE seq = ?', next, head.seq);
        break;
      }
      force = false;
    }
    await this.schedule();
  }

  /** Retries forwards that are due, and drops what is past the retention. */
  override async alarm(): Promise<void> {
    const days = readConfig(this.env).INBOUND_RETENTION_DAYS;
    this.ctx.storage.sql.exec('DELETE FROM received WHERE received < ?', Date.now() - days * DAY_MS);
    await this.flush(true);
  }

  /** The alarm: the next forward due (not before GRACE_MS), else when the oldest record expires. */
  private async schedule(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const [head] = sql.exec<{ next: number }>('SELECT next FROM outbox ORDER BY seq LIMIT 1').toArray();
    const [oldest] = sql.exec<{ at: number }>('SELECT MIN(received) AS at FROM received').toArray();
    const days = readConfig(this.env).INBOUND_RETENTION_DAYS;
    const due = head ? Math.max(head.next, Date.now() + GRACE_MS) : Number.POSITIVE_INFINITY;
    const expiry = oldest?.at == null ? Number.POSITIVE_INFINITY : oldest.at + days * DAY_MS;
    const at = Math.min(due, expiry);
    if (Number.isFinite(at)) await this.ctx.storage.setAlarm(at);
    else await this.ctx.storage.deleteAlarm();
  }
}

/** The store of a receiving number. */
export const inboxOf = (env: Env, to: string) => env.INBOX.get(env.INBOX.idFromName(to));
