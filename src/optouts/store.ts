import { DurableObject } from 'cloudflare:workers';

/** How an opt-out got on the list: the person's keyword, Twilio's own 21610 answer, or the owner's block. */
export type OptOutVia = 'keyword' | 'twilio-21610' | 'manual';

/** One person who opted out of one sender. */
export interface OptOut {
  /** The person's number or channel address, as Twilio gives it (`+1…`, `whatsapp:+1…`). */
  readonly to: string;
  /** When it was recorded (ISO 8601). */
  readonly at: string;
  readonly via: OptOutVia;
}

/** A page of a sender's opt-outs, by the person's address; `next` names the last one shown when more follow. */
export interface OptOutPage {
  readonly optOuts: readonly OptOut[];
  readonly next: string | null;
}

/**
 * The opt-outs of one sender (a Twilio number or Messaging Service): a SQLite-backed Durable Object per sender,
 * so that a keyword's write and a send's read of the same pair meet in one single-threaded object (a send made
 * after a STOP was answered reads it), and the object lives near the sends that create it. Opt-outs have no
 * retention: they stay until the person opts back in or the owner removes them.
 */
export class OptOutStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS opt_outs (person TEXT PRIMARY KEY, at TEXT NOT NULL, via TEXT NOT NULL)',
    );
  }

  /** True when `to` opted out of this sender. */
  has(to: string): boolean {
    return this.ctx.storage.sql.exec('SELECT 1 FROM opt_outs WHERE person = ?', to).toArray().length > 0;
  }

  /** The opt-out of `to`, or null. */
  get(to: string): OptOut | null {
    const [row] = this.ctx.storage.sql.exec<Row>('SELECT person, at, via FROM opt_outs WHERE person = ?', to).toArray();
    return row ? shown(row) : null;
  }

  /** Records an opt-out; one already there keeps its first time and way. */
  add(to: string, via: OptOutVia): OptOut {
    this.ctx.storage.sql.exec(
      'INSERT INTO opt_outs (person, at, via) VALUES (?, ?, ?) ON CONFLICT (person) DO NOTHING',
      to,
      new Date().toISOString(),
      via,
    );
    return this.get(to) as OptOut;
  }

  /** Removes an opt-out (the person opted back in, or the owner removed it); true when there was one. */
  remove(to: string): boolean {
    return this.ctx.storage.sql.exec('DELETE FROM opt_outs WHERE person = ?', to).rowsWritten > 0;
  }

  /** At most `limit` opt-outs after the address `after` (ordered by address), and where the next page starts. */
  list(limit: number, after = ''): OptOutPage {
    const rows = this.ctx.storage.sql
      .exec<Row>('SELECT person, at, via FROM opt_outs WHERE person > ? ORDER BY person LIMIT ?', after, limit + 1)
      .toArray();
    const page = rows.slice(0, limit).map(shown);
    return { optOuts: page, next: rows.length > limit ? (page.at(-1)?.to ?? null) : null };
  }
}

type Row = { person: string; at: string; via: string };

const shown = (row: Row): OptOut => ({ to: row.person, at: row.at, via: row.via as OptOutVia });

/** The binding of the opt-out stores. */
export type OptOutStores = DurableObjectNamespace<OptOutStore>;

/** The store of one sender. */
export const storeOf = (stores: OptOutStores, sender: string) => stores.get(stores.idFromName(sender));

/** Records an opt-out of `to` for every scope that received it (keywords, the addOptOut block). */
export async function addOptOut(stores: OptOutStores, senders: readonly string[], to: string, via: OptOutVia) {
  return Promise.all(senders.map((sender) => storeOf(stores, sender).add(to, via)));
}

/** Removes the opt-out of `to` from every scope named; true when any had it. */
export async function removeOptOut(stores: OptOutStores, senders: readonly string[], to: string) {
  const removed = await Promise.all(senders.map((sender) => storeOf(stores, sender).remove(to)));
  return removed.includes(true);
}
