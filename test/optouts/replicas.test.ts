import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import worker from '../../src/index';
import { REGIONS, regionOf } from '../../src/optouts/regions';
import {
  addOptOut,
  homeOf,
  OptOutStore,
  optedOutOfAny,
  personKey,
  removeOptOut,
  SPREAD_TIMEOUT_MS,
} from '../../src/optouts/store';
import type { SendMessage } from '../../src/send/queue';
import { installFakeTwilio } from '../fake-twilio';
import { CALLER_KEY, expectError, post, queueSpy, sms } from '../helpers';
import { person } from './helpers';

const REFUSED = '[HTTP 400] Unable to create record: Attempt to send to unsubscribed recipient';
const SERVICE = `MG${'fedcba9876543210'.repeat(2)}`;
const stores = env.OPT_OUT_STORE;

/** A fresh sender, so that each test's stores start empty. */
const sender = () => `+1500555${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;

/** Where `to` reads as opted out of `from`, region by region. */
const everywhere = (from: string, to: string) =>
  Promise.all(REGIONS.map((region) => optedOutOfAny(stores, [from], to, region)));

/** A replica's stub, as the store module reaches it. */
const replica = (from: string, region: string) => stores.get(stores.idFromName(`${from}@${region}`));

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the opt-out list: a home store per sender, a replica per region that sends read', () => {
  it('a change is in every region before it is answered: STOP, then START', async () => {
    const [from, to] = [sender(), person()];
    expect(await everywhere(from, to)).toEqual(REGIONS.map(() => false));
    await addOptOut(stores, [from], to, 'keyword');
    expect(await everywhere(from, to)).toEqual(REGIONS.map(() => true));
    expect(await removeOptOut(stores, [from], to)).toBe(true);
    expect(await everywhere(from, to)).toEqual(REGIONS.map(() => false));
    // Nothing to remove: no change is made.
    expect(await removeOptOut(stores, [from], to)).toBe(false);
  });

  it('a replica that missed a change (its write failed) gets it with the next write of that person', async () => {
    const [from, to] = [sender(), person()];
    await everywhere(from, to);
    // The home store took the STOP, the Europe replica did not (as if its write had failed).
    await homeOf(stores, from).change(to, { via: 'keyword' });
    expect(await optedOutOfAny(stores, [from], to, 'weur')).toBe(false);
    // Twilio's own 21610, or the person's STOP again: nothing changes at home, and every replica has it.
    await addOptOut(stores, [from], to, 'twilio-21610');
    expect(await everywhere(from, to)).toEqual(REGIONS.map(() => true));
    expect(await homeOf(stores, from).get(to)).toMatchObject({ via: 'keyword' });
  });

  it('a replica that starts late copies the list: opt-outs recorded before its region ever read', async () => {
    const from = sender();
    const people = [person(), person(), person()];
    // Written to the home store only, as a store from before the replicas holds them.
    for (const to of people) await homeOf(stores, from).change(to, { via: 'keyword' });
    await homeOf(stores, from).change(people[2] as string, 'remove');
    expect(await optedOutOfAny(stores, [from], people[0] as string, 'apac')).toBe(true);
    expect(await optedOutOfAny(stores, [from], people[1] as string, 'apac')).toBe(true);
    expect(await optedOutOfAny(stores, [from], people[2] as string, 'apac')).toBe(false);
  });

  it('a change fails, in bounded time, when a region does not answer; the next write spreads it', async () => {
    const [from, to] = [sender(), person()];
    vi.useFakeTimers();
    const hanging = {
      idFromName: (name: string) => stores.idFromName(name),
      get: (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
        options?.locationHint === 'sam' ? { apply: () => new Promise(() => {}) } : stores.get(id, options),
    } as unknown as typeof stores;
    const change = addOptOut(hanging, [from], to, 'keyword');
    const failed = expect(change).rejects.toThrow('an opt-out replica did not answer in time');
    await vi.advanceTimersByTimeAsync(SPREAD_TIMEOUT_MS);
    await failed;
    vi.useRealTimers();
    await addOptOut(stores, [from], to, 'keyword');
    expect(await everywhere(from, to)).toEqual(REGIONS.map(() => true));
  });

  it('keeps the newest change of a person when two cross on the way (STOP and START out of order)', async () => {
    const [from, to] = [sender(), person()];
    const stop = (await homeOf(stores, from).change(to, { via: 'keyword' })).change;
    const start = (await homeOf(stores, from).change(to, 'remove')).change;
    expect(start.seq).toBeGreaterThan(stop.seq);
    await replica(from, 'oc').apply(from, start);
    await replica(from, 'oc').apply(from, stop);
    expect(await optedOutOfAny(stores, [from], to, 'oc')).toBe(false);
  });

  it('a send reads the replica of the region it runs in (request.cf)', async () => {
    const [from, to] = [sender(), person()];
    // Only the Asia-Pacific replica has it (not the home store, which a starting replica copies): a send from
    // Singapore is refused, one with no location is not.
    const change = { person: to, at: new Date().toISOString(), via: 'manual', seq: 1, removed: false };
    await replica(from, 'apac').apply(from, change);
    const { seen } = installFakeTwilio();
    const request = (cf?: object, headers: Record<string, string> = {}, overrides: Partial<Env> = {}) =>
      app.request(
        new Request('https://gateway.example.com/api/Twilio/sendSms', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': CALLER_KEY, ...headers },
          body: JSON.stringify({ ...sms, from, to }),
          ...(cf ? { cf: cf as IncomingRequestCfProperties } : {}),
        }),
        undefined,
        { ...env, ...overrides },
      );
    const singapore = { continent: 'AS', longitude: '103.85' };
    expect((await request(singapore)).status).toBe(400);
    // With an Idempotency-Key the send runs in the key's Durable Object: it is told where the request ran.
    expect((await request(singapore, { 'idempotency-key': crypto.randomUUID() })).status).toBe(400);
    expect(seen).toHaveLength(0);
    expect((await request()).status).toBe(200);
    expect(seen).toHaveLength(1);
    // An asynchronous send carries it through the queue.
    const { sent, queue } = queueSpy();
    await request(singapore, { prefer: 'respond-async' }, { SENDS: queue });
    expect(sent[0]?.place).toEqual(singapore);
  });

  it('a store written before replicas existed keeps its opt-outs, numbered 0, and changes them', async () => {
    const [from, to] = [sender(), person()];
    const home = homeOf(stores, from);
    await runInDurableObject(home, async (_, state) => {
      state.storage.sql.exec('DROP TABLE opt_outs');
      state.storage.sql.exec('CREATE TABLE opt_outs (person TEXT PRIMARY KEY, at TEXT NOT NULL, via TEXT NOT NULL)');
      state.storage.sql.exec("INSERT INTO opt_outs VALUES (?, '2026-12-07T12:00:00.000Z', 'keyword')", to);
      const reopened = new OptOutStore(state, env);
      expect(reopened.get(to)).toEqual({ to, at: '2026-12-07T12:00:00.000Z', via: 'keyword' });
      expect(reopened.snapshot('', 10)).toEqual([
        { person: to, at: '2026-12-07T12:00:00.000Z', via: 'keyword', seq: 0, removed: false },
      ]);
      expect(reopened.change(to, 'remove')).toMatchObject({ changed: true, change: { seq: 1, removed: true } });
    });
  });

  it('such a store’s numbers, kept as they were given, are kept as the check looks them up', async () => {
    const from = sender();
    await runInDurableObject(homeOf(stores, from), async (_, state) => {
      const sql = state.storage.sql;
      sql.exec('DROP TABLE opt_outs');
      sql.exec('CREATE TABLE opt_outs (person TEXT PRIMARY KEY, at TEXT NOT NULL, via TEXT NOT NULL)');
      sql.exec("INSERT INTO opt_outs VALUES ('+1 (415) 555-0166', '2026-12-07T12:00:00.000Z', 'manual')");
      sql.exec("INSERT INTO opt_outs VALUES ('+1-415-555-0166', '2026-12-07T12:30:00.000Z', 'keyword')");
      sql.exec("INSERT INTO opt_outs VALUES ('+14155550155', '2026-12-07T12:10:00.000Z', 'keyword')");
      const reopened = new OptOutStore(state, env);
      expect(reopened.list(10).optOuts).toEqual([
        { to: '+14155550155', at: '2026-12-07T12:10:00.000Z', via: 'keyword' },
        { to: '+14155550166', at: '2026-12-07T12:00:00.000Z', via: 'manual' },
      ]);
    });
    expect(await optedOutOfAny(stores, [from], '+14155550166', 'afr')).toBe(true);
  });

  it('a START from a person who never opted out changes nothing anywhere, and starts no replica', async () => {
    const [from, to] = [sender(), person()];
    expect(await removeOptOut(stores, [from], to)).toBe(false);
    await runInDurableObject(replica(from, 'me'), async (_, state) => {
      // The replica object was made by this look only: it never started, and holds no row.
      expect(state.storage.sql.exec('SELECT count(*) AS n FROM opt_outs').one().n).toBe(0);
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM meta WHERE key = 'started'").one().n).toBe(0);
    });
  });

  it('refuses a sender with @, which would name another sender’s replica', async () => {
    const [from, to] = [sender(), person()];
    await addOptOut(stores, [from], to, 'keyword');
    for (const block of ['removeOptOut', 'addOptOut', 'listOptOuts']) {
      expectError(
        await post(block, { from: `${from}@enam`, to }),
        400,
        "[HTTP 400] Refused by the gateway: An opt-out's sender ('from' or 'messagingServiceSid') cannot contain @",
      );
    }
    expect(await everywhere(from, to)).toEqual(REGIONS.map(() => true));
    installFakeTwilio();
    expectError(await post('sendSms', { ...sms, from, to }), 400, REFUSED, { code: 21610, source: 'gateway' });
  });
});

describe('a queued send', () => {
  it('is checked when the queue delivers it, in the region its request ran in: a STOP meanwhile refuses it', async () => {
    const [from, to] = [sender(), person()];
    const { seen } = installFakeTwilio();
    const { sent, queue } = queueSpy();
    const accepted = await app.request(
      new Request('https://gateway.example.com/api/Twilio/sendSms', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': CALLER_KEY, prefer: 'respond-async' },
        body: JSON.stringify({ ...sms, from, to }),
        cf: { continent: 'OC', longitude: '151.2' } as IncomingRequestCfProperties,
      }),
      undefined,
      { ...env, SENDS: queue },
    );
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    await addOptOut(stores, [from], to, 'keyword');
    const batch = createMessageBatch<SendMessage>(
      'twilio-gateway-sends',
      sent.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
    );
    await worker.queue(batch, { ...env, SENDS_DLQ: queueSpy().queue } as Env);
    await getQueueResult(batch, createExecutionContext());
    expect(seen).toHaveLength(0);
    const record = await app.request(`/api/Twilio/requests/${id}`, { headers: { 'X-API-Key': CALLER_KEY } }, env);
    expect(await record.json()).toMatchObject({ status: 'failed', lastError: REFUSED });
  });
});

describe('who the list is about', () => {
  it('keeps a number without the spaces, dashes, dots and brackets people write in it', () => {
    expect(personKey('+1 (415) 555-0199')).toBe('+14155550199');
    expect(personKey(' +1.415.555.0199 ')).toBe('+14155550199');
    expect(personKey('WhatsApp:+1 415 555 0199')).toBe('whatsapp:+14155550199');
    // Not a number: kept as it is; a number without + is not guessed at.
    expect(personKey('messenger:Some.Page-Id')).toBe('messenger:Some.Page-Id');
    expect(personKey('14155550199')).toBe('14155550199');
  });

  it('refuses a send to a formatted number of a person who opted out, and opts out a formatted one', async () => {
    const from = sender();
    await addOptOut(stores, [from], '+1 (415) 555-0177', 'manual');
    installFakeTwilio();
    for (const to of ['+14155550177', '+1 415 555 0177', '+1-415-555-0177']) {
      expectError(await post('sendSms', { ...sms, from, to }), 400, REFUSED, { code: 21610, source: 'gateway' });
    }
    const listed = await post('listOptOuts', { from });
    expect(listed.json.contextWrites.to.optOuts.map((o: { to: string }) => o.to)).toEqual(['+14155550177']);
  });

  it('addOptOut and removeOptOut with a number and its Messaging Service change both scopes', async () => {
    const [from, to] = [sender(), person()];
    const both = { from, messagingServiceSid: SERVICE, to };
    expect((await post('addOptOut', both)).json.contextWrites.to).toMatchObject({
      sender: SERVICE,
      to,
      optedOut: true,
    });
    expect(await optedOutOfAny(stores, [from], to)).toBe(true);
    expect(await optedOutOfAny(stores, [SERVICE], to)).toBe(true);
    expect((await post('removeOptOut', both)).json.contextWrites.to).toMatchObject({ removed: true });
    expect(await optedOutOfAny(stores, [from, SERVICE], to)).toBe(false);
  });
});

describe('regionOf: the region a request runs in', () => {
  it('maps request.cf to a location hint, eastern North America when unknown', () => {
    expect(regionOf({ continent: 'NA', longitude: '-122.4' })).toBe('wnam');
    expect(regionOf({ continent: 'NA', longitude: '-74.0' })).toBe('enam');
    expect(regionOf({ continent: 'SA', longitude: '-46.6' })).toBe('sam');
    expect(regionOf({ continent: 'EU', longitude: '2.35' })).toBe('weur');
    expect(regionOf({ continent: 'EU', longitude: '21.0' })).toBe('eeur');
    expect(regionOf({ continent: 'AS', longitude: '55.3' })).toBe('me');
    expect(regionOf({ continent: 'AS', longitude: '139.7' })).toBe('apac');
    expect(regionOf({ continent: 'OC', longitude: '151.2' })).toBe('oc');
    expect(regionOf({ continent: 'AF', longitude: '28.0' })).toBe('afr');
    expect(regionOf({ continent: 'AN' })).toBe('enam');
    expect(regionOf(undefined)).toBe('enam');
  });
});
