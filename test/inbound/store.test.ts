import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InboundStore, inboxOf, type Received } from '../../src/inbound/store';
import { person } from '../optouts/helpers';
import { sidOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

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

describe('InboundStore: keywords, once per message', () => {
  it('a retry finds the message recorded, and its keyword applied only once it was marked so', async () => {
    const inbox = freshInbox();
    const stop = message(0, 'STOP');
    expect(await inbox.receive(stop)).toEqual({ first: true, keywordApplied: false });
    expect(await inbox.receive(stop)).toEqual({ first: false, keywordApplied: false });
    await inbox.keywordApplied(stop.sid);
    expect(await inbox.receive(stop)).toEqual({ first: false, keywordApplied: true });
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
      expect(await store.receive(old)).toEqual({ first: false, keywordApplied: false });
      store.keywordApplied(old.sid);
      expect(await store.receive(old)).toEqual({ first: false, keywordApplied: true });
      await state.storage.deleteAlarm();
    });
  });
});
