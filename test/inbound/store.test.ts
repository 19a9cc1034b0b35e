import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../src/config';
import { InboundStore, inboxOf, MAX_KEPT, MAX_OUTBOX, type Received } from '../../src/inbound/store';
import { person } from '../optouts/helpers';
import { sidOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

const DAY_MS = 86_400e3;
const HOOK = 'https://hooks.example.com/sms';

/** A store of its own: alarms outlive a test, so no two tests share a number. */
const freshInbox = () => inboxOf(env, person());

/** A message as the store keeps it, received `ago` ms before now. */
const message = (ago = 0, body = 'hello'): Received => ({
  sid: sidOf('SM'),
  kind: 'message',
  from: person(),
  to: '+15005550006',
  body,
  messagingServiceSid: null,
  receivedAt: new Date(Date.now() - ago).toISOString(),
  fields: { Body: body },
});

/** Fills the table with `count` rows (older first), as if they had arrived one by one, in one statement. */
const fill = (sql: SqlStorage, table: 'received' | 'outbox', count: number) =>
  sql.exec(
    table === 'received'
      ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
          INSERT INTO received (sid, kind, sender, received, data)
          SELECT 'old' || i, 'message', '+14155550100', ? + i, json_object('sid', 'old' || i) FROM n`
      : `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
          INSERT INTO outbox (id, url, body, attempts, next) SELECT 'msg_old' || i, '${HOOK}', '{}', 0, ? FROM n`,
    count,
    Date.now() - DAY_MS,
  );

const column = (sql: SqlStorage, query: string) =>
  sql
    .exec<{ v: string | number }>(query)
    .toArray()
    .map((r) => r.v);

describe('InboundStore: what it keeps', () => {
  it(`keeps at most MAX_KEPT (${MAX_KEPT}) messages per number: the oldest goes first`, async () => {
    const inbox = freshInbox();
    const latest = message();
    await runInDurableObject(inbox, async (store: InboundStore, state) => {
      fill(state.storage.sql, 'received', MAX_KEPT);
      await store.receive(latest);
      const sql = state.storage.sql;
      expect(column(sql, 'SELECT COUNT(*) AS v FROM received')).toEqual([MAX_KEPT]);
      expect(column(sql, "SELECT sid AS v FROM received WHERE sid IN ('old1', 'old2')")).toEqual(['old2']);
      await state.storage.deleteAlarm();
    });
    expect((await inbox.list({ limit: 1 })).messages.map((m) => m.sid)).toEqual([latest.sid]);
  });

  it('drops what is past INBOUND_RETENTION_DAYS at its alarm, and keeps what is younger', async () => {
    const days = readConfig(env).INBOUND_RETENTION_DAYS;
    const inbox = freshInbox();
    const expired = message(days * DAY_MS + 60e3);
    const kept = message(days * DAY_MS - 3600e3);
    await inbox.receive(expired);
    await inbox.receive(kept);
    // The alarm is due when the oldest expires (already past here): it may have run on its own by now.
    await runDurableObjectAlarm(inbox);
    expect((await inbox.list({ limit: 10 })).messages.map((m) => m.sid)).toEqual([kept.sid]);
    const next = await runInDurableObject(inbox, (_, state) => state.storage.getAlarm());
    expect(next).toBe(Date.parse(kept.receivedAt) + days * DAY_MS);
    await runInDurableObject(inbox, (_, state) => state.storage.deleteAlarm());
  });

  it(`holds at most MAX_OUTBOX (${MAX_OUTBOX}) forwards: past it the oldest is dropped, and logged without the message`, async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const latest = message(0, 'a secret of the person');
    await runInDurableObject(freshInbox(), async (store: InboundStore, state) => {
      const sql = state.storage.sql;
      fill(sql, 'outbox', MAX_OUTBOX);
      await store.receive(latest, HOOK);
      expect(column(sql, 'SELECT COUNT(*) AS v FROM outbox')).toEqual([MAX_OUTBOX]);
      expect(column(sql, 'SELECT id AS v FROM outbox ORDER BY seq LIMIT 1')).toEqual(['msg_old2']);
      expect(column(sql, 'SELECT id AS v FROM outbox ORDER BY seq DESC LIMIT 1')).toEqual([`msg_${latest.sid}`]);
      sql.exec('DELETE FROM outbox');
      await state.storage.deleteAlarm();
    });
    const lines = logged.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toEqual([{ inbound: latest.to, forward: 'msg_old1', error: 'dropped: the outbox is full' }]);
  });
});

describe('InboundStore: keywords, once per message', () => {
  it('a retry finds the message recorded, and its keyword applied only once it was marked so', async () => {
    const inbox = freshInbox();
    const stop = message(0, 'STOP');
    // When it first arrived: what orders a retried keyword against later ones.
    const receivedAt = Date.parse(stop.receivedAt);
    expect(await inbox.receive(stop)).toEqual({ first: true, keywordApplied: false, receivedAt });
    expect(await inbox.receive({ ...stop, receivedAt: new Date().toISOString() })).toEqual({
      first: false,
      keywordApplied: false,
      receivedAt,
    });
    await inbox.keywordApplied(stop.sid);
    expect(await inbox.receive(stop)).toEqual({ first: false, keywordApplied: true, receivedAt });
    await runInDurableObject(inbox, (_, state) => state.storage.deleteAlarm());
  });

  it('a store made before keywords were marked gains the column, and keeps its messages', async () => {
    const inbox = freshInbox();
    const old = message();
    await runInDurableObject(inbox, async (_, state) => {
      const sql = state.storage.sql;
      sql.exec(`DROP TABLE received; CREATE TABLE received (sid TEXT PRIMARY KEY, kind TEXT NOT NULL,
        sender TEXT NOT NULL, received INTEGER NOT NULL, data TEXT NOT NULL)`);
      sql.exec(
        "INSERT INTO received (sid, kind, sender, received, data) VALUES (?, 'message', ?, ?, ?)",
        old.sid,
        old.from,
        Date.parse(old.receivedAt),
        JSON.stringify(old),
      );
      const store = new InboundStore(state, env);
      const receivedAt = Date.parse(old.receivedAt);
      expect(await store.receive(old)).toEqual({ first: false, keywordApplied: false, receivedAt });
      store.keywordApplied(old.sid);
      expect(await store.receive(old)).toEqual({ first: false, keywordApplied: true, receivedAt });
      await state.storage.deleteAlarm();
    });
  });
});
