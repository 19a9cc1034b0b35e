import { DurableObject } from 'cloudflare:workers';
import { REGIONS, type Region } from './regions';

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

/** One change of a person's opt-out, numbered by the sender's home store: replicas keep the newest they saw. */
export interface Change {
  readonly person: string;
  readonly at: string;
  readonly via: string;
  readonly seq: number;
  readonly removed: boolean;
}

/** How long a change waits for the nine replicas (a replica that starts copies the list first). */
export const SPREAD_TIMEOUT_MS = 10_000;

/** Rows a replica copies from its home store per call when it starts. */
const COPY_PAGE = 5000;

/**
 * The opt-outs of one sender (a Twilio number or Messaging Service), in SQLite-backed Durable Objects of one class
 * in two roles. The home store (named after the sender) is the list: it numbers every change, and the opt-out
 * blocks read it. A replica per region (REGIONS, placed there by its location hint) is what sends read, so that
 * a send pays a round trip within its region, never across the world, also for a sender that never received a
 * STOP. A change is written to the home store, then to every replica, before it is answered: a send made after
 * a STOP was answered reads it, wherever it runs. A replica starts by copying the home store's list (once), and
 * keeps for each person the change with the highest number, so changes that cross on the way apply in order.
 * Opt-outs have no retention: they stay until the person opts back in or the owner removes them.
 */
export class OptOutStore extends DurableObject<Env> {
  private started = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      'CREATE TABLE IF NOT EXISTS opt_outs (person TEXT PRIMARY KEY, at TEXT NOT NULL, via TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0, said INTEGER NOT NULL DEFAULT 0)',
    );
    // A store written before replicas existed has no seq nor removed column yet, nor one before keyword order said.
    const columns = sql.exec<{ name: string }>('PRAGMA table_info(opt_outs)').toArray();
    if (!columns.some((c) => c.name === 'seq')) {
      sql.exec('ALTER TABLE opt_outs ADD COLUMN seq INTEGER NOT NULL DEFAULT 0');
      sql.exec('ALTER TABLE opt_outs ADD COLUMN removed INTEGER NOT NULL DEFAULT 0');
      // Such a store kept numbers as they were given: keep them as the check now looks them up (the first wins).
      for (const { person } of sql.exec<{ person: string }>('SELECT person FROM opt_outs ORDER BY at').toArray()) {
        const key = personKey(person);
        if (key === person) continue;
        sql.exec(
          'INSERT OR IGNORE INTO opt_outs (person, at, via) SELECT ?, at, via FROM opt_outs WHERE person = ?',
          key,
          person,
        );
        sql.exec('DELETE FROM opt_outs WHERE person = ?', person);
      }
    }
    // When the person's newest keyword was said (the home store's: a retried older one must not undo it).
    if (!columns.some((c) => c.name === 'said')) {
      sql.exec('ALTER TABLE opt_outs ADD COLUMN said INTEGER NOT NULL DEFAULT 0');
    }
    sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    this.started = this.meta('started') === 1;
  }

  private meta(key: string): number | undefined {
    return this.ctx.storage.sql.exec<{ value: number }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]
      ?.value;
  }

  private setMeta(key: string, value: number) {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
  }

  // The home store's side.

  /** The opt-out of `to`, or null. */
  get(to: string): OptOut | null {
    const [row] = this.ctx.storage.sql
      .exec<Row>('SELECT person, at, via FROM opt_outs WHERE person = ? AND removed = 0', to)
      .toArray();
    return row ? shown(row) : null;
  }

  /** At most `limit` opt-outs after the address `after` (ordered by address), and where the next page starts. */
  list(limit: number, after = ''): OptOutPage {
    const rows = this.ctx.storage.sql
      .exec<Row>(
        'SELECT person, at, via FROM opt_outs WHERE person > ? AND removed = 0 ORDER BY person LIMIT ?',
        after,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit).map(shown);
    return { optOuts: page, next: rows.length > limit ? (page.at(-1)?.to ?? null) : null };
  }

  /**
   * Records an opt-out (one already there keeps its first time and way) or removes one, numbered: the change the
   * replicas are given, and whether it changed anything. A keyword's change names when it was said (`said`, ms):
   * one said before the person's newest keyword (a retry of an older message) changes nothing.
   */
  change(
    person: string,
    opt: { readonly via: OptOutVia } | 'remove',
    said?: number,
  ): { change: Change; changed: boolean } {
    const sql = this.ctx.storage.sql;
    const [row] = sql.exec<StoredRow>('SELECT * FROM opt_outs WHERE person = ?', person).toArray();
    const active = row !== undefined && row.removed === 0;
    const stale = said !== undefined && row !== undefined && said < row.said;
    if (stale || (opt === 'remove' ? !active : active)) {
      if (row && said !== undefined && said > row.said) {
        sql.exec('UPDATE opt_outs SET said = ? WHERE person = ?', said, person);
      }
      return { change: changeOf(row ?? tombstone(person)), changed: false };
    }
    const seq = (this.meta('seq') ?? 0) + 1;
    this.setMeta('seq', seq);
    const at = opt === 'remove' ? (row?.at ?? new Date().toISOString()) : new Date().toISOString();
    const via = opt === 'remove' ? (row?.via ?? 'manual') : opt.via;
    const removed = opt === 'remove' ? 1 : 0;
    const newest = Math.max(row?.said ?? 0, said ?? 0);
    sql.exec('INSERT OR REPLACE INTO opt_outs VALUES (?, ?, ?, ?, ?, ?)', person, at, via, seq, removed, newest);
    return { change: { person, at, via, seq, removed: removed === 1 }, changed: true };
  }

  /** The opt-outs in force after the address `after`, with their numbers: what a replica copies when it starts. */
  snapshot(after: string, limit: number): Change[] {
    return this.ctx.storage.sql
      .exec<StoredRow>('SELECT * FROM opt_outs WHERE person > ? AND removed = 0 ORDER BY person LIMIT ?', after, limit)
      .toArray()
      .map(changeOf);
  }

  // A replica's side: `sender` names its home store.

  /** True when `to` opted out of the sender. */
  async has(sender: string, to: string): Promise<boolean> {
    await this.start(sender);
    return (
      this.ctx.storage.sql.exec('SELECT 1 FROM opt_outs WHERE person = ? AND removed = 0', to).toArray().length > 0
    );
  }

  /** Applies a change of the home store, unless a newer one of the same person is here already. */
  async apply(sender: string, change: Change): Promise<void> {
    await this.start(sender);
    this.keep(change);
  }

  private keep(c: Change) {
    this.ctx.storage.sql.exec(
      'INSERT INTO opt_outs (person, at, via, seq, removed) VALUES (?, ?, ?, ?, ?) ON CONFLICT (person) DO UPDATE SET at = excluded.at, via = excluded.via, seq = excluded.seq, removed = excluded.removed WHERE excluded.seq > opt_outs.seq',
      c.person,
      c.at,
      c.via,
      c.seq,
      c.removed ? 1 : 0,
    );
  }

  /**
   * A replica's first call copies the home store's list, with nothing else let in meanwhile (a change that comes
   * during the copy waits, then applies by its number). Once: it is remembered in storage.
   */
  private async start(sender: string): Promise<void> {
    if (this.started) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.started) return;
      const home = homeOf(this.env.OPT_OUT_STORE, sender);
      let after = '';
      for (;;) {
        const page = await home.snapshot(after, COPY_PAGE);
        for (const change of page) this.keep(change);
        if (page.length < COPY_PAGE) break;
        after = page.at(-1)?.person ?? '';
      }
      this.setMeta('started', 1);
      this.started = true;
    });
  }
}

type Row = { person: string; at: string; via: string };
type StoredRow = Row & { seq: number; removed: number; said: number };

const shown = (row: Row): OptOut => ({ to: row.person, at: row.at, via: row.via as OptOutVia });
const changeOf = ({ person, at, via, seq, removed }: StoredRow): Change => ({
  person,
  at,
  via,
  seq,
  removed: removed === 1,
});
const tombstone = (person: string): StoredRow => ({ person, at: '', via: '', seq: 0, removed: 1, said: 0 });

/** The binding of the opt-out stores. */
export type OptOutStores = DurableObjectNamespace<OptOutStore>;

/**
 * Whether `sender` can have opt-outs: not one with `@`, which would name another sender's replica
 * (`+1…@enam`) and change one region's copy behind the list.
 */
export const isSender = (sender: string) => !sender.includes('@');

/** The home store of one sender: its list, which the opt-out blocks read. */
export function homeOf(stores: OptOutStores, sender: string) {
  if (!isSender(sender)) throw new TypeError('an opt-out sender has no @');
  return stores.get(stores.idFromName(sender));
}

/** The replica of one sender's list in `region`, placed there. */
const replicaOf = (stores: OptOutStores, sender: string, region: Region) =>
  stores.get(stores.idFromName(`${sender}@${region}`), { locationHint: region });

/**
 * A person's address as the list keeps it: a channel prefix in lower case, and a number without the spaces,
 * dashes, dots and brackets people write in it (`+1 (415) 555-0100` is `+14155550100`). A number without its `+`
 * and country code is not guessed at.
 */
export function personKey(address: string): string {
  const [, channel = '', rest = address] = /^([a-z]+:)?(.*)$/is.exec(address.trim()) ?? [];
  const number = /^[+\d\s().-]+$/.test(rest) ? rest.replace(/[\s().-]/g, '') : rest;
  return channel.toLowerCase() + number;
}

/**
 * Gives a change to every region's replica; the home store has it already. Also when it changed nothing there: a
 * replica that missed it (a write that failed) gets it again, and the others keep it as it is (same number). Not
 * a change the home store never numbered (a START from a person who never opted out): no replica can hold one.
 */
async function spread(stores: OptOutStores, sender: string, change: Change) {
  if (change.seq === 0 && change.removed) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A region that does not answer fails the change in time for Twilio's 15 s (a 500; its retry spreads again).
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('an opt-out replica did not answer in time')), SPREAD_TIMEOUT_MS);
  });
  try {
    await Promise.race([
      Promise.all(REGIONS.map((region) => replicaOf(stores, sender, region).apply(sender, change))),
      late,
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Records an opt-out of `to` for every scope that received it (keywords, the addOptOut block, Twilio's 21610); a
 * keyword names when it was said (`said`, ms since the epoch), so that a retried older one undoes no newer one.
 */
export async function addOptOut(
  stores: OptOutStores,
  senders: readonly string[],
  to: string,
  via: OptOutVia,
  said?: number,
) {
  const person = personKey(to);
  return Promise.all(
    senders.map(async (sender) => {
      const { change } = await homeOf(stores, sender).change(person, { via }, said);
      await spread(stores, sender, change);
      return shown(change);
    }),
  );
}

/** Removes the opt-out of `to` from every scope named (`said`: as for addOptOut); true when any had it. */
export async function removeOptOut(stores: OptOutStores, senders: readonly string[], to: string, said?: number) {
  const person = personKey(to);
  const removed = await Promise.all(
    senders.map(async (sender) => {
      const { change, changed } = await homeOf(stores, sender).change(person, 'remove', said);
      await spread(stores, sender, change);
      return changed;
    }),
  );
  return removed.includes(true);
}

/** Whether `to` opted out of any of the senders, read from the replicas of `region` (one call per sender). */
export async function optedOutOfAny(
  stores: OptOutStores,
  senders: readonly string[],
  to: string,
  region: Region = REGIONS[0],
): Promise<boolean> {
  const person = personKey(to);
  // A sender with @ has no opt-outs (isSender): it is never read as another's replica either.
  const found = await Promise.all(
    senders.filter(isSender).map((sender) => replicaOf(stores, sender, region).has(sender, person)),
  );
  return found.includes(true);
}
