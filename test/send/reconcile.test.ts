import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { MAX_PENDING, type PendingIndex, pendingIndex } from '../../src/status/pending';
import { messageResource, pageResource } from '../../src/twilio/resources';
import worker from '../../src/with-sandbox';
import { CALLER_KEY, ENV_ACCOUNT, envWith } from '../helpers';
import { GATEWAY, historyFor, messageFields, messageSid, postCallback } from '../status/helpers';

const HOOK = 'https://hooks.example.com/updates';
const TRACKING = { TRACK_STATUS: 'true', PUBLIC_URL: GATEWAY, RECONCILE_AFTER_S: '0' };

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const messageOf = (sid: string, status: string) => ({
  ...messageResource({
    accountSid: ENV_ACCOUNT,
    sid,
    to: '+14155550100',
    from: '+15005550006',
    body: 'hi',
    mediaUrls: [],
    now: new Date('2026-12-07T12:00:00Z'),
  }),
  status,
});

/**
 * A fake Twilio that never calls back: it creates the message `sid` (queued), answers a fetch of a message with
 * `fetched(sid)` (a status, or a Response), and a list with a page of `sid` as still queued. Whatever goes
 * elsewhere (the caller's forward URL) is caught.
 */
function twilio(sid: string, fetched: (sid: string) => string | Response) {
  const fetches: string[] = [];
  const forwards: Record<string, any>[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.host !== 'api.twilio.com') {
      forwards.push({ url: request.url, ...(JSON.parse(await request.text()) as object) });
      return new Response(null, { status: 204 });
    }
    if (request.method === 'POST') return json(messageOf(sid, 'queued'), 201);
    const record = /\/Messages\/([^/]+)\.json$/.exec(url.pathname)?.[1];
    if (record === undefined) {
      const page = { accountSid: ENV_ACCOUNT, resource: 'Messages' as const, filters: [], page: 0, pageSize: 50 };
      return json(
        pageResource({
          ...page,
          records: [messageOf(sid, 'queued')],
          pageToken: null,
          nextPageToken: null,
          previousPageToken: null,
        }),
      );
    }
    fetches.push(record);
    const answer = fetched(record);
    return typeof answer === 'string' ? json(messageOf(record, answer)) : answer;
  });
  return { fetches, forwards };
}

/** A tracked sendSms through the real app, its work after the answer (the index's add) awaited. */
async function trackedSend(overrides: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const res = await app.request(
    '/api/Twilio/sendSms',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': CALLER_KEY },
      body: JSON.stringify({ from: '+15005550006', to: '+14155550100', body: 'hi', statusCallback: HOOK }),
    },
    envWith({ ...TRACKING, ...overrides }),
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as { contextWrites: { to: Record<string, any> } } };
}

/** One run of the Worker's scheduled handler, as the Cron Trigger runs it, its work awaited. */
async function scheduledRun(overrides: Record<string, string> = {}, bindings: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  const runEnv = { ...envWith({ ...TRACKING, ...overrides }), ...bindings } as Env;
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), runEnv, ctx);
  await waitOnExecutionContext(ctx);
}

/** A read through the real app (a GET alias), its answer's `to`. */
async function read(path: string) {
  const res = await app.request(path, { headers: { 'X-API-Key': CALLER_KEY } }, envWith(TRACKING));
  return ((await res.json()) as { contextWrites: { to: Record<string, any> } }).contextWrites.to;
}

/** Empties the index of what earlier tests left, so that each test's run sees its own SIDs only. */
async function emptyIndex() {
  const index = pendingIndex(env);
  for (const row of await index!.due(Number.MAX_SAFE_INTEGER, 1000, 0)) await index!.done(row.sid);
}

afterEach(() => vi.restoreAllMocks());

describe('reconciliation: the Cron Trigger fetches what no callback reported', () => {
  it('a tracked send whose callbacks never come shows delivered in getMessage and listMessages after one run, and the caller gets it once', async () => {
    await emptyIndex();
    const sid = messageSid();
    const net = twilio(sid, () => 'delivered');
    const sent = await trackedSend();
    expect(sent.status).toBe(200);
    expect(sent.body.contextWrites.to).toMatchObject({ sid, status: 'queued', tracking: { forward: HOOK } });
    const { correlationId } = sent.body.contextWrites.to.tracking;
    expect(await historyFor(sid)).toBeUndefined();

    await scheduledRun();
    expect(net.fetches).toEqual([sid]);
    const single = await read(`/api/Twilio/messages/${sid}`);
    expect(single.status).toBe('delivered');
    expect(single.timeline).toEqual([expect.objectContaining({ status: 'delivered', reconciled: true })]);
    const listed = await read('/api/Twilio/messages');
    expect(listed.messages).toEqual([expect.objectContaining({ sid, status: 'delivered' })]);
    expect(listed.messages[0].timeline.map((e: { status: string }) => e.status)).toEqual(['delivered']);
    expect(net.forwards).toEqual([
      expect.objectContaining({
        url: HOOK,
        type: 'message.status',
        data: expect.objectContaining({ sid, status: 'delivered', correlationId, reconciled: true }),
      }),
    ]);

    // Final: the next run fetches nothing, and the callback that finally comes is neither recorded twice nor forwarded.
    const fetched = net.fetches.length;
    await scheduledRun();
    expect(net.fetches).toHaveLength(fetched);
    const late = await postCallback(messageFields(sid, 'delivered'), {
      url: `${GATEWAY}/twilio/status?cid=${correlationId}&forward=${encodeURIComponent(HOOK)}`,
    });
    expect(late.json).toMatchObject({ status: 'delivered', recorded: false });
    expect(net.forwards).toHaveLength(1);
    expect((await historyFor(sid))?.timeline).toHaveLength(1);
  });

  it('a final status callback takes the SID out of the index, so no run spends a slot on it', async () => {
    await emptyIndex();
    const sid = messageSid();
    const net = twilio(sid, () => 'delivered');
    const sent = await trackedSend();
    const { correlationId } = sent.body.contextWrites.to.tracking;
    expect(await pendingIndex(env)!.size()).toBe(1);
    const url = `${GATEWAY}/twilio/status?cid=${correlationId}&forward=${encodeURIComponent(HOOK)}`;
    await postCallback(messageFields(sid, 'sent'), { url });
    expect(await pendingIndex(env)!.size()).toBe(1);
    await postCallback(messageFields(sid, 'delivered'), { url });
    await vi.waitFor(async () => expect(await pendingIndex(env)!.size()).toBe(0));
    await scheduledRun();
    expect(net.fetches).toEqual([]);
  });

  it('a send younger than RECONCILE_AFTER_S is not fetched yet (default 600 s)', async () => {
    await emptyIndex();
    const sid = messageSid();
    const net = twilio(sid, () => 'delivered');
    await trackedSend({ RECONCILE_AFTER_S: '' });
    await scheduledRun({ RECONCILE_AFTER_S: '' });
    expect(net.fetches).toEqual([]);
    expect(await pendingIndex(env)!.size()).toBe(1);
  });

  it('a status not yet final is recorded and forwarded, and the SID stays pending for a later run', async () => {
    await emptyIndex();
    const sid = messageSid();
    const net = twilio(sid, () => 'sent');
    await trackedSend();
    const points: AnalyticsEngineDataPoint[] = [];
    await scheduledRun({}, { METRICS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) } });
    expect((await historyFor(sid))?.status).toBe('sent');
    // The fetch's metrics data point: event, block, the status found, no code, the destination, the reconciler.
    expect(points.map((p) => p.blobs)).toEqual([['reconcile', 'getMessage', 'sent', '', '', '+1', 'reconcile']]);
    expect(net.forwards.map((f) => f.data.status)).toEqual(['sent']);
    const [row] = await pendingIndex(env)!.due(Number.MAX_SAFE_INTEGER, 10, 0);
    expect(row).toMatchObject({ sid, tries: 1 });
  });

  it.each([
    [429, 20429, 'Too Many Requests'],
    [503, 20500, 'Internal Server Error'],
  ])(
    'a %i from Twilio ends the run: the oldest SID is asked again later, the rest waits, nothing is recorded',
    async (status, code, message) => {
      await emptyIndex();
      const busy = () => json({ code, message, status }, status);
      const first = messageSid();
      const net = twilio(first, busy);
      await trackedSend();
      vi.restoreAllMocks();
      const second = messageSid();
      const more = twilio(second, busy);
      await trackedSend();
      await scheduledRun({ RECONCILE_BATCH: '10' });
      // The client's own retries went to the first SID only; the second was never asked.
      expect(new Set([...net.fetches, ...more.fetches])).toEqual(new Set([first]));
      expect(await historyFor(first)).toBeUndefined();
      expect((await pendingIndex(env)!.due(Number.MAX_SAFE_INTEGER, 10, 0)).map((r) => [r.sid, r.tries])).toEqual([
        [first, 1],
        [second, 0],
      ]);
    },
  );

  it('a run fetches at most RECONCILE_BATCH SIDs, the oldest first; the rest waits for the next run', async () => {
    await emptyIndex();
    const index = pendingIndex(env)!;
    const now = Date.now();
    const sids = [messageSid(), messageSid(), messageSid()];
    for (const [i, sid] of sids.entries()) {
      const sent = now - 3_000 + i * 1_000;
      await index.add(
        { sid, kind: 'message', accountSid: ENV_ACCOUNT, correlationId: `c${i}`, forward: null, sent },
        sent,
      );
    }
    const net = twilio(sids[0] as string, () => 'delivered');
    await scheduledRun({ RECONCILE_BATCH: '2' });
    expect(net.fetches).toEqual(sids.slice(0, 2));
    expect((await index.due(Number.MAX_SAFE_INTEGER, 10, 0)).map((r) => r.sid)).toEqual([sids[2]]);
  });

  it('a SID Twilio does not know (404) leaves the index', async () => {
    await emptyIndex();
    const sid = messageSid();
    twilio(sid, () => json({ code: 20404, message: 'The requested resource was not found', status: 404 }, 404));
    await trackedSend();
    await scheduledRun();
    expect(await pendingIndex(env)!.size()).toBe(0);
  });

  it('without TRACK_STATUS the run fetches nothing', async () => {
    await emptyIndex();
    const sid = messageSid();
    const net = twilio(sid, () => 'delivered');
    await trackedSend();
    await scheduledRun({ TRACK_STATUS: 'false' });
    expect(net.fetches).toEqual([]);
  });

  it('the index holds at most MAX_PENDING SIDs: past it, the oldest send is dropped', async () => {
    await emptyIndex();
    const stub = pendingIndex(env)!;
    const dropped = await runInDurableObject(stub, async (index: PendingIndex) => {
      const entry = (i: number) => ({
        sid: `SM${i.toString(16).padStart(32, '0')}`,
        kind: 'message' as const,
        accountSid: ENV_ACCOUNT,
        correlationId: 'c',
        forward: null,
        sent: 1_000 + i,
      });
      for (let i = 0; i <= MAX_PENDING; i++) index.add(entry(i), 0);
      return { size: index.size(), oldest: index.due(Number.MAX_SAFE_INTEGER, 1, 0)[0]?.sid, first: entry(0).sid };
    });
    expect(dropped.size).toBe(MAX_PENDING);
    expect(dropped.oldest).not.toBe(dropped.first);
    expect(dropped.oldest).toBe(`SM${(1).toString(16).padStart(32, '0')}`);
    // Everything sent before now has been given up on: the index is empty for the next test.
    await stub.due(Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
    expect(await stub.size()).toBe(0);
  });

  it('a SID older than RECONCILE_GIVE_UP_S is dropped before the run takes any', async () => {
    await emptyIndex();
    const index = pendingIndex(env)!;
    const sent = Date.now() - 3_600_000;
    const entry = {
      sid: messageSid(),
      kind: 'message' as const,
      accountSid: ENV_ACCOUNT,
      correlationId: 'c',
      forward: null,
      sent,
    };
    await index.add(entry, sent);
    expect(await index.due(Date.now(), 10, sent + 1)).toEqual([]);
    expect(await index.size()).toBe(0);
  });
});
