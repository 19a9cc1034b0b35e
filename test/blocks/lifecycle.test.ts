/**
 * Reading and changing records (#11), against the fake Twilio: what each new block asks Twilio (method, path,
 * query or form), how its answer is decoded (a record, a page, a deletion), the paging round trip, Twilio's
 * errors framed per operation, the client's rules on GET and DELETE, the destination guard on a redirect, caller
 * keys and the rate limit on the new routes, and the REST-style aliases.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { defaultResponse, installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, CALLER_KEY, ENV_ACCOUNT, ENV_TOKEN, envWith, expectError, post, send, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const OWN = { accountSid: ACCOUNT, accountToken: TOKEN };
const SM = `SM${'ab'.repeat(16)}`;
const CA = `CA${'cd'.repeat(16)}`;
const BASE = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}`;
const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

/** The one request the fake saw. */
function only<T>(seen: readonly T[]): T {
  expect(seen).toHaveLength(1);
  return seen[0] as T;
}

describe('what each block asks Twilio', () => {
  it('getMessage: GET the record, Basic auth, no body and no Content-Type; the Message decoded as a create is', async () => {
    const { seen } = installFakeTwilio();
    const { status, json } = await post('getMessage', { ...OWN, sid: SM });
    expect(status).toBe(200);
    const request = only(seen);
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`${BASE}/Messages/${SM}.json`);
    expect(request.headers.authorization).toBe(basic(ACCOUNT, TOKEN));
    expect(request.headers['content-type']).toBeUndefined();
    expect(request.body).toBe('');
    expect(json.contextWrites.to).toMatchObject({
      sid: SM,
      accountSid: ACCOUNT,
      status: 'queued',
      dateCreated: '2026-11-26T12:46:22.000Z',
      numSegments: '1',
      errorCode: null,
    });
  });

  it('getCall: GET the call', async () => {
    const { seen } = installFakeTwilio();
    const { json } = await post('getCall', { ...OWN, sid: CA });
    expect(only(seen)).toMatchObject({ method: 'GET', url: `${BASE}/Calls/${CA}.json` });
    expect(json.contextWrites.to).toMatchObject({ sid: CA, fromFormatted: '(500) 555-0006', endTime: null });
  });

  it("listMessages: GET the collection with the filters and paging as Twilio's query keys, in table order", async () => {
    const { seen } = installFakeTwilio();
    await post('listMessages', {
      ...OWN,
      pageToken: 'PASMtoken',
      to: '+14155550100',
      from: '+15005550006',
      dateSentAfter: '2026-11-01',
      dateSentBefore: '2026-11-30T10:00:00+01:00',
      pageSize: '2',
      page: 1,
    });
    const request = only(seen);
    expect(request.method).toBe('GET');
    expect(request.url).toBe(
      `${BASE}/Messages.json?To=%2B14155550100&From=%2B15005550006&DateSent%3C=2026-11-30T09%3A00%3A00Z` +
        '&DateSent%3E=2026-11-01&PageSize=2&Page=1&PageToken=PASMtoken',
    );
    expect(request.body).toBe('');
  });

  it('listCalls: every filter of ListCall under its key', async () => {
    const { seen } = installFakeTwilio();
    await post('listCalls', {
      ...OWN,
      status: 'in-progress',
      parentCallSid: CA,
      startTime: '2026-11-30',
      startTimeBefore: '2026-12-01',
      startTimeAfter: '2026-11-01',
      endTime: '2026-11-30',
      endTimeBefore: '2026-12-01',
      endTimeAfter: '2026-11-02',
    });
    const { query } = only(seen);
    expect([...query]).toEqual([
      ['ParentCallSid', CA],
      ['Status', 'in-progress'],
      ['StartTime', '2026-11-30'],
      ['StartTime<', '2026-12-01'],
      ['StartTime>', '2026-11-01'],
      ['EndTime', '2026-11-30'],
      ['EndTime<', '2026-12-01'],
      ['EndTime>', '2026-11-02'],
    ]);
  });

  it('updateCall hangs up: POST the record with Status=completed', async () => {
    const { seen } = installFakeTwilio();
    const { json } = await post('updateCall', { ...OWN, sid: CA, status: 'completed' });
    const request = only(seen);
    expect(request).toMatchObject({ method: 'POST', url: `${BASE}/Calls/${CA}.json`, body: 'Status=completed' });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(json.contextWrites.to).toMatchObject({ sid: CA, status: 'completed' });
  });

  it('updateCall cancels (Status=canceled) and redirects (Url, Method; or Twiml), with the other UpdateCall fields', async () => {
    const { seen } = installFakeTwilio();
    await post('updateCall', { ...OWN, sid: CA, status: 'canceled' });
    await post('updateCall', {
      ...OWN,
      sid: CA,
      url: 'https://example.com/next.xml',
      method: 'get',
      fallbackUrl: 'https://example.com/fallback.xml',
      statusCallback: 'https://example.com/status',
      timeLimit: 600,
    });
    await post('updateCall', { ...OWN, sid: CA, twiml: '<Response><Hangup/></Response>' });
    expect(seen.map((s) => s.body)).toEqual([
      'Status=canceled',
      'Url=https%3A%2F%2Fexample.com%2Fnext.xml&Method=GET&FallbackUrl=https%3A%2F%2Fexample.com%2Ffallback.xml' +
        '&StatusCallback=https%3A%2F%2Fexample.com%2Fstatus&TimeLimit=600',
      'Twiml=%3CResponse%3E%3CHangup%2F%3E%3C%2FResponse%3E',
    ]);
  });

  it('cancelMessage is UpdateMessage with Status=canceled; redactMessage with an empty Body', async () => {
    const { seen } = installFakeTwilio();
    const canceled = await post('cancelMessage', { ...OWN, sid: SM });
    const redacted = await post('redactMessage', { ...OWN, sid: SM });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', `${BASE}/Messages/${SM}.json`, 'Status=canceled'],
      ['POST', `${BASE}/Messages/${SM}.json`, 'Body='],
    ]);
    expect(canceled.json.contextWrites.to).toMatchObject({ sid: SM, status: 'canceled' });
    expect(redacted.json.contextWrites.to).toMatchObject({ sid: SM, body: '' });
  });

  it("deleteMessage and deleteCall: DELETE the record; Twilio's 204 answers {sid, deleted: true}", async () => {
    const { seen } = installFakeTwilio();
    const message = await post('deleteMessage', { ...OWN, sid: SM });
    const call = await post('deleteCall', { ...OWN, sid: CA });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['DELETE', `${BASE}/Messages/${SM}.json`, ''],
      ['DELETE', `${BASE}/Calls/${CA}.json`, ''],
    ]);
    expect(message).toMatchObject({
      status: 200,
      json: { callback: 'success', contextWrites: { to: { sid: SM, deleted: true } } },
    });
    expect(call.json.contextWrites.to).toEqual({ sid: CA, deleted: true });
  });

  it("the stored credentials serve the new blocks too (the Worker's account in the path)", async () => {
    const { seen } = installFakeTwilio();
    await post('getCall', { sid: CA });
    expect(only(seen).url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Calls/${CA}.json`);
    expect(only(seen).headers.authorization).toBe(basic(ENV_ACCOUNT, ENV_TOKEN));
  });
});

describe('a list page, decoded, and paged', () => {
  it("keeps Twilio's paging camelCased, with the next and previous tokens out of their URIs", async () => {
    installFakeTwilio();
    const { json } = await post('listMessages', { ...OWN, to: '+14155550100', pageSize: 1, page: 1, pageToken: 'PAx' });
    const page = json.contextWrites.to;
    expect(Object.keys(page)).toEqual([
      'messages',
      'page',
      'pageSize',
      'start',
      'end',
      'uri',
      'firstPageUri',
      'nextPageUri',
      'previousPageUri',
      'nextPageToken',
      'previousPageToken',
    ]);
    const path = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json?To=%2B14155550100&PageSize=1`;
    expect(page).toMatchObject({
      page: 1,
      pageSize: 1,
      start: 1,
      end: 1,
      uri: `${path}&Page=1&PageToken=PAx`,
      firstPageUri: `${path}&Page=0`,
      nextPageUri: `${path}&Page=2&PageToken=PASM${'0'.repeat(30)}12`,
      previousPageUri: `${path}&Page=0&PageToken=PBSM${'0'.repeat(30)}10`,
      nextPageToken: `PASM${'0'.repeat(30)}12`,
      previousPageToken: `PBSM${'0'.repeat(30)}10`,
    });
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]).toMatchObject({ sid: `SM${'0'.repeat(30)}11`, dateCreated: '2026-11-26T12:46:22.000Z' });
  });

  it('round trip: nextPageToken and page + 1 with the same filters ask for the next page, until nextPageToken is null', async () => {
    const { seen } = installFakeTwilio();
    const filters = { ...OWN, status: 'completed', pageSize: 1 };
    const sids: string[] = [];
    let input: Record<string, unknown> = filters;
    for (let i = 0; i < 5; i++) {
      const { json } = await post('listCalls', input);
      const page = json.contextWrites.to;
      sids.push(...page.calls.map((call: { sid: string }) => call.sid));
      if (page.nextPageToken === null) break;
      input = { ...filters, pageToken: page.nextPageToken, page: page.page + 1 };
    }
    // The fake has three pages of one call.
    expect(sids).toEqual([`CA${'0'.repeat(30)}10`, `CA${'0'.repeat(30)}11`, `CA${'0'.repeat(30)}12`]);
    expect(seen.map((s) => s.query.get('PageToken'))).toEqual([
      null,
      `PACA${'0'.repeat(30)}11`,
      `PACA${'0'.repeat(30)}12`,
    ]);
    expect(seen.map((s) => s.query.get('Status'))).toEqual(['completed', 'completed', 'completed']);
  });

  it('an empty page is a page: no records, no next', async () => {
    installFakeTwilio(async (seen) => {
      const page = (await defaultResponse(seen).json()) as Record<string, unknown>;
      return Response.json({ ...page, messages: [], next_page_uri: null });
    });
    const { json } = await post('listMessages', OWN);
    expect(json.contextWrites.to).toMatchObject({ messages: [], nextPageUri: null, nextPageToken: null });
  });

  it('a 200 that is not a page, or holds a record that is not a Message, is a 502 (a read may be asked again)', async () => {
    installFakeTwilio(() => Response.json({ sid: SM }));
    const notPage = await post('listMessages', OWN);
    expectError(
      notPage,
      502,
      '[HTTP 502] Unable to fetch page: Twilio answered 200 with a body that is not a page of Messages',
      { retryable: true },
    );
    installFakeTwilio(() => Response.json({ messages: [{ sid: CA }], page: 0 }));
    expect((await post('listMessages', OWN)).status).toBe(502);
  });
});

describe("Twilio's errors, framed per operation", () => {
  const notFound = (path: string) =>
    twilioErrorResponse(
      404,
      20404,
      `The requested resource /2010-04-01/Accounts/${ACCOUNT}/${path}.json was not found`,
    );

  it('an unknown SID: 404 20404, Unable to fetch record, source twilio', async () => {
    installFakeTwilio(() => notFound(`Messages/${SM}`));
    const answer = await post('getMessage', { ...OWN, sid: SM });
    expectError(
      answer,
      404,
      `[HTTP 404] Unable to fetch record: The requested resource /2010-04-01/Accounts/${ACCOUNT}/Messages/${SM}.json was not found`,
      { code: 20404 },
    );
  });

  it('each operation frames its failures as the helper libraries do', async () => {
    installFakeTwilio((seen) =>
      notFound(new URL(seen.url).pathname.split('/').slice(4).join('/').replace('.json', '')),
    );
    const texts = [];
    for (const [block, input] of [
      ['updateCall', { ...OWN, sid: CA, status: 'completed' }],
      ['deleteCall', { ...OWN, sid: CA }],
      ['listCalls', OWN],
      ['cancelMessage', { ...OWN, sid: SM }],
    ] as const) {
      texts.push((await post(block, input)).json.contextWrites.to as string);
    }
    expect(texts.map((t) => t.slice(0, t.indexOf(':')))).toEqual([
      '[HTTP 404] Unable to update record',
      '[HTTP 404] Unable to delete record',
      '[HTTP 404] Unable to fetch page',
      '[HTTP 404] Unable to update record',
    ]);
  });

  it('a state Twilio refuses: its 400 and code (a hang-up of a call that is over, 21220; a delete in flight, 20009)', async () => {
    installFakeTwilio(() => twilioErrorResponse(400, 21220, 'Call is not in-progress. Cannot redirect.'));
    expectError(
      await post('updateCall', { ...OWN, sid: CA, url: 'https://example.com/next.xml' }),
      400,
      '[HTTP 400] Unable to update record: Call is not in-progress. Cannot redirect.',
      { code: 21220 },
    );
    installFakeTwilio(() => twilioErrorResponse(409, 20009, 'Cannot delete message because it is in flight'));
    expectError(
      await post('deleteMessage', { ...OWN, sid: SM }),
      409,
      '[HTTP 409] Unable to delete record: Cannot delete message because it is in flight',
      { code: 20009 },
    );
  });

  it('a wrong token: 401 Authenticate, framed for the read', async () => {
    installFakeTwilio(() => twilioErrorResponse(401, 20003, 'Authenticate'));
    expectError(await post('getCall', { ...OWN, sid: CA }), 401, '[HTTP 401] Unable to fetch record: Authenticate', {
      code: 20003,
    });
  });

  it('a malformed account SID never reaches a path: the 404 names the record path', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('getMessage', { accountSid: 'AC123', accountToken: TOKEN, sid: SM });
    expectError(
      answer,
      404,
      `[HTTP 404] Unable to fetch record: The requested resource /2010-04-01/Accounts/AC123/Messages/${SM}.json was not found`,
      { code: 20404 },
    );
    expect(seen).toHaveLength(0);
  });
});

describe('the SID and the other inputs, checked before anything is sent', () => {
  it.each([
    ['getMessage', {}, "Parameter 'sid' is required."],
    [
      'getMessage',
      { sid: CA },
      "Invalid value for parameter 'sid': expected a SID: SM or MM followed by 32 hex digits",
    ],
    [
      'deleteCall',
      { sid: `../Messages/${SM}` },
      "Invalid value for parameter 'sid': expected a SID: CA followed by 32 hex digits",
    ],
    [
      'getCall',
      { sid: `${CA}/Recordings` },
      "Invalid value for parameter 'sid': expected a SID: CA followed by 32 hex digits",
    ],
    [
      'updateCall',
      { sid: CA, status: 'busy' },
      "Invalid value for parameter 'Status': expected one of completed, canceled",
    ],
    [
      'listMessages',
      { dateSent: '2026-02-30' },
      "Invalid value for parameter 'DateSent': expected a day (YYYY-MM-DD) or an ISO-8601 date-time with a time zone",
    ],
    ['listCalls', { pageSize: 1001 }, "Invalid value for parameter 'PageSize': expected a whole number from 1 to 1000"],
    ['listCalls', { body: 'x' }, 'Unknown parameter: body'],
  ] as const)('%s %j: a 400 of the gateway, framed for the operation', async (block, input, message) => {
    const { seen } = installFakeTwilio();
    const unable = block.startsWith('list')
      ? 'fetch page'
      : block.startsWith('get')
        ? 'fetch record'
        : block.startsWith('update')
          ? 'update record'
          : 'delete record';
    expectError(await post(block, { ...OWN, ...input }), 400, `[HTTP 400] Unable to ${unable}: ${message}`);
    expect(seen).toHaveLength(0);
  });

  it("updateCall's statusCallback has makeCall's rule (21609); an SM-or-MM SID both reach Twilio", async () => {
    const { seen } = installFakeTwilio();
    expectError(
      await post('updateCall', { ...OWN, sid: CA, statusCallback: 'nope' }),
      400,
      "[HTTP 400] Unable to update record: Invalid 'StatusCallback'",
      { code: 21609 },
    );
    await post('getMessage', { ...OWN, sid: `MM${'ef'.repeat(16)}` });
    expect(only(seen).url).toBe(`${BASE}/Messages/MM${'ef'.repeat(16)}.json`);
  });

  it('an underscore is refused in a Messages statusCallback host only: not in its path, not for calls (FACTS.md)', async () => {
    const { seen } = installFakeTwilio();
    const sms = { ...OWN, from: '+15005550006', to: '+14155550100', body: 'hi' };
    expect((await post('sendSms', { ...sms, statusCallback: 'https://example.com/my_hook' })).status).toBe(200);
    const call = { ...OWN, from: '+15005550006', to: '+14155550100', url: 'https://example.com/a.xml' };
    expect((await post('makeCall', { ...call, statusCallback: 'https://my_host.example.com/cb' })).status).toBe(200);
    expect(seen).toHaveLength(2);
  });
});

describe("the client's rules on GET and DELETE", () => {
  it('a read is asked again after a 5xx (it changes nothing); an update is not', async () => {
    const { seen } = installFakeTwilio((request, attempt) =>
      attempt === 1 ? twilioErrorResponse(503, 20500, 'Service unavailable') : defaultResponse(request),
    );
    expect((await post('getMessage', { ...OWN, sid: SM })).status).toBe(200);
    expect(seen).toHaveLength(2);

    const update = installFakeTwilio(() => twilioErrorResponse(503, 20500, 'Service unavailable'));
    const answer = await post('updateCall', { ...OWN, sid: CA, status: 'completed' });
    expect(answer.status).toBe(502);
    expect(answer.json.error).toMatchObject({ status: 503, retryable: false });
    expect(update.seen).toHaveLength(1);

    installFakeTwilio(() => twilioErrorResponse(503, 20500, 'Service unavailable'));
    const read = await post('listMessages', OWN);
    expect(read.status).toBe(502);
    expect(read.json.error).toMatchObject({ status: 503, source: 'twilio', retryable: true });
  });

  it('a read is asked again after a network failure; a delete is not', async () => {
    const read = installFakeTwilio((request, attempt) => {
      if (attempt === 1) throw new TypeError('network down');
      return defaultResponse(request);
    });
    expect((await post('listCalls', OWN)).status).toBe(200);
    expect(read.seen).toHaveLength(2);
    // Down for good: the read's failure says it may be asked again; the delete's (in doubt) says it may not.
    installFakeTwilio(() => {
      throw new TypeError('network down');
    });
    const failedRead = await post('getCall', { ...OWN, sid: CA });
    expect(failedRead.status).toBe(502);
    expect(failedRead.json.error).toMatchObject({ source: 'gateway', retryable: true });
    const remove = installFakeTwilio(() => {
      throw new TypeError('network down');
    });
    expectError(
      await post('deleteCall', { ...OWN, sid: CA }),
      502,
      '[HTTP 502] Unable to delete record: Twilio could not be reached',
    );
    expect(remove.seen).toHaveLength(1);
  });

  it('a 429 is retried for every operation; a redirect is never followed', async () => {
    const { seen } = installFakeTwilio((request, attempt) =>
      attempt === 1
        ? twilioErrorResponse(429, 20429, 'Too many requests', { 'Retry-After': '0' })
        : defaultResponse(request),
    );
    expect((await post('deleteMessage', { ...OWN, sid: SM })).status).toBe(200);
    expect(seen).toHaveLength(2);
    installFakeTwilio(() => new Response(null, { status: 302, headers: { Location: 'https://evil.example/' } }));
    expectError(
      await post('getCall', { ...OWN, sid: CA }),
      502,
      '[HTTP 502] Unable to fetch record: Twilio answered a redirect (HTTP 302); it is not followed',
      { retryable: true },
    );
  });

  it('the token is redacted from what a read answers', async () => {
    installFakeTwilio(async (request) => {
      const message = (await defaultResponse(request).json()) as Record<string, unknown>;
      return Response.json({ ...message, body: `echo ${TOKEN}` });
    });
    const answer = await post('getMessage', { ...OWN, sid: SM });
    expect(answer.text).not.toContain(TOKEN);
    expect(answer.json.contextWrites.to.body).toBe('echo [redacted]');
  });
});

describe('the destination guard holds a redirect of a live call', () => {
  const guarded = { ALLOWED_DESTINATIONS: '+1', ALLOWED_TWIML_HOSTS: 'twiml.example.com' };

  it('updateCall: a url or fallbackUrl off ALLOWED_TWIML_HOSTS, or TwiML that dials out of the list, is a 403', async () => {
    const { seen } = installFakeTwilio();
    for (const [input, why] of [
      [{ url: 'https://evil.example/next.xml' }, 'The url host is not among ALLOWED_TWIML_HOSTS'],
      [{ fallbackUrl: 'https://evil.example/f.xml' }, 'The fallbackUrl host is not among ALLOWED_TWIML_HOSTS'],
      [
        { twiml: '<Response><Dial>+447700900123</Dial></Response>' },
        'The TwiML dials a number that is not among the allowed destinations',
      ],
      [
        { twiml: '<Response><Redirect>https://evil.example/</Redirect></Response>' },
        'The TwiML hands the call to a SIP URI or other TwiML',
      ],
    ] as const) {
      expectError(
        await post('updateCall', { ...OWN, sid: CA, ...input }, guarded),
        403,
        `[HTTP 403] Refused by the gateway: ${why}`,
      );
    }
    expect(seen).toHaveLength(0);
  });

  it('updateCall within the rules, a hang-up, and a list filtered by any To are not held', async () => {
    const { seen } = installFakeTwilio();
    const allowed = [
      ['updateCall', { sid: CA, url: 'https://twiml.example.com/next.xml' }],
      ['updateCall', { sid: CA, twiml: '<Response><Dial>+14155550100</Dial></Response>' }],
      ['updateCall', { sid: CA, status: 'completed' }],
      ['listMessages', { to: '+447700900123' }],
    ] as const;
    for (const [block, input] of allowed) expect((await post(block, { ...OWN, ...input }, guarded)).status).toBe(200);
    expect(seen).toHaveLength(4);
  });
});

describe('REST-style aliases', () => {
  it('GET /api/Twilio/messages/{sid} and /calls/{sid} are getMessage and getCall with the stored credentials', async () => {
    const { seen } = installFakeTwilio();
    const message = await send(`/api/Twilio/messages/${SM}`);
    const call = await send(`/api/twilio/calls/${CA}`);
    expect(message.json.contextWrites.to).toMatchObject({ sid: SM, accountSid: ENV_ACCOUNT });
    expect(call.json.contextWrites.to).toMatchObject({ sid: CA });
    expect(seen.map((s) => [s.method, new URL(s.url).pathname])).toEqual([
      ['GET', `/2010-04-01/Accounts/${ENV_ACCOUNT}/Messages/${SM}.json`],
      ['GET', `/2010-04-01/Accounts/${ENV_ACCOUNT}/Calls/${CA}.json`],
    ]);
    expect(seen[0]?.headers.authorization).toBe(basic(ENV_ACCOUNT, ENV_TOKEN));
  });

  it("GET /api/Twilio/messages and /calls: the query under the block's names, paged with nextPageToken", async () => {
    const { seen } = installFakeTwilio();
    const first = await send('/api/Twilio/calls?status=completed&pageSize=1&startTimeAfter=2026-11-01');
    const page = first.json.contextWrites.to;
    expect(page.calls).toHaveLength(1);
    const next = await send(
      `/api/Twilio/calls?status=completed&pageSize=1&startTimeAfter=2026-11-01&page=1&pageToken=${page.nextPageToken}`,
    );
    expect(next.json.contextWrites.to.page).toBe(1);
    expect(seen.map((s) => new URL(s.url).search)).toEqual([
      '?Status=completed&StartTime%3E=2026-11-01&PageSize=1',
      `?Status=completed&StartTime%3E=2026-11-01&PageSize=1&Page=1&PageToken=${page.nextPageToken}`,
    ]);
    await send('/api/Twilio/messages?to=%2B14155550100');
    expect(seen[2]?.url).toBe(
      `https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Messages.json?To=%2B14155550100`,
    );
  });

  it('refuses credentials in the URL, unknown names and bad values, before anything is sent', async () => {
    const { seen } = installFakeTwilio();
    expectError(
      await send(`/api/Twilio/messages/${SM}?accountSid=${ACCOUNT}&accountToken=${TOKEN}`),
      400,
      '[HTTP 400] Refused by the gateway: Credentials are not taken in a URL: POST them to /api/Twilio/getMessage',
    );
    expectError(
      await send('/api/Twilio/calls?color=red'),
      400,
      '[HTTP 400] Unable to fetch page: Unknown parameter: color',
    );
    expectError(
      await send('/api/Twilio/messages/SM123'),
      400,
      "[HTTP 400] Unable to fetch record: Invalid value for parameter 'sid': expected a SID: SM or MM followed by 32 hex digits",
    );
    expect(seen).toHaveLength(0);
  });

  it('reads a query of many repeated names in one pass (a 16 KB URL of `to&to&…` cost 1.25 s of CPU), refused as before', async () => {
    const { seen } = installFakeTwilio();
    const getAll = vi.spyOn(URLSearchParams.prototype, 'getAll');
    const repeated = await send(`/api/Twilio/messages?${Array(5400).fill('to').join('&')}&page=1`);
    expectError(
      repeated,
      400,
      "[HTTP 400] Unable to fetch page: Invalid value for parameter 'To': expected a phone number, SIP address or client identifier",
    );
    // Each distinct name's values are gathered once, not once per repetition.
    expect(getAll.mock.calls.length).toBeLessThanOrEqual(2);
    expect(seen).toHaveLength(0);
  });

  it("Twilio's 404 for an unknown SID reaches the alias as it reaches the block", async () => {
    installFakeTwilio(() => twilioErrorResponse(404, 20404, 'The requested resource was not found'));
    expectError(
      await send(`/api/Twilio/calls/${CA}`),
      404,
      '[HTTP 404] Unable to fetch record: The requested resource was not found',
      {
        code: 20404,
      },
    );
  });
});

describe('caller keys and the rate limit on the new routes', () => {
  const KEY = 'lifecycle-key-0123456789abcdef';

  it('the stored credentials need the caller key on every new block and alias; a wrong key is a 401', async () => {
    const { seen } = installFakeTwilio();
    const keyed = { API_KEYS: KEY };
    const noKey = { 'X-API-Key': '' };
    const refusals = [
      await send(
        '/api/Twilio/getMessage',
        {
          method: 'POST',
          headers: { ...noKey, 'Content-Type': 'application/json' },
          body: JSON.stringify({ sid: SM }),
        },
        keyed,
      ),
      await send(`/api/Twilio/messages/${SM}`, { headers: noKey }, keyed),
      await send('/api/Twilio/calls', { headers: { 'X-API-Key': 'wrong-key-0123456789abcdef' } }, keyed),
      await send(
        '/api/Twilio/deleteCall',
        {
          method: 'POST',
          headers: { Authorization: 'Bearer wrong-key-0123', 'Content-Type': 'application/json' },
          body: JSON.stringify({ sid: CA }),
        },
        keyed,
      ),
    ];
    for (const answer of refusals) {
      expect(answer.status, answer.text).toBe(401);
      expect(answer.json.contextWrites.to).toContain('A valid API key is required');
    }
    expect(seen).toHaveLength(0);
    expect((await send(`/api/Twilio/messages/${SM}`, { headers: { 'X-API-Key': KEY } }, keyed)).status).toBe(200);
    expect(
      (
        await send(
          '/api/Twilio/listCalls',
          {
            method: 'POST',
            headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
            body: '{}',
          },
          keyed,
        )
      ).status,
    ).toBe(200);
  });

  it('the alias and the blocks share the per-key budget: over it, a 429 with Retry-After, and Twilio is not called', async () => {
    const { seen } = installFakeTwilio();
    const key = `lifecycle-rate-${crypto.randomUUID()}`;
    const bindings = envWith({ API_KEYS: key });
    const strict = { ...bindings, RATE_LIMITER: (bindings as Env & { STRICT_LIMITER: RateLimit }).STRICT_LIMITER };
    let refused: Response | undefined;
    let ok = 0;
    for (let i = 0; i < 250 && !refused; i++) {
      const res =
        i % 2 === 0
          ? await app.request(`/api/Twilio/calls/${CA}`, { headers: { 'X-API-Key': key } }, strict)
          : await app.request(
              '/api/Twilio/getMessage',
              {
                method: 'POST',
                headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
                body: JSON.stringify({ sid: SM }),
              },
              strict,
            );
      if (res.status === 429) refused = res;
      else if (res.status === 200) ok++;
    }
    expect(refused).toBeDefined();
    expect(refused?.headers.get('Retry-After')).toBe('60');
    const body = (await refused?.json()) as { contextWrites: { to: string } };
    expect(body.contextWrites.to).toBe(
      '[HTTP 429] Refused by the gateway: Too many requests from this caller; try again later',
    );
    expect(seen).toHaveLength(ok);
  });

  it('the suite caller key still works on the aliases (the helpers present it)', async () => {
    installFakeTwilio();
    expect((await send('/api/Twilio/messages', { headers: { 'X-API-Key': CALLER_KEY } })).status).toBe(200);
  });
});

describe('a read passes the guard on every path to a send', () => {
  it('listMessages filtered by a To outside ALLOWED_DESTINATIONS, with Prefer: respond-async too (a read answers now)', async () => {
    const { seen } = installFakeTwilio();
    const guarded = { ALLOWED_DESTINATIONS: '+1' };
    const sync = await post('listMessages', { ...OWN, to: '+447700900123' }, guarded);
    expect(sync.status).toBe(200);
    const res = await app.request(
      '/api/Twilio/listMessages',
      {
        method: 'POST',
        headers: { 'X-API-Key': CALLER_KEY, 'Content-Type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ ...OWN, to: '+447700900123' }),
      },
      envWith(guarded),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(seen).toHaveLength(2);
  });
});

describe('a read is neither stored nor queued: it is idempotent by itself, and a stored read would be out of date', () => {
  /** The fake Twilio's message: queued at first, delivered once asked again. */
  const advancing = () =>
    installFakeTwilio((seen, attempt) => {
      const res = defaultResponse(seen);
      if (attempt === 1) return res;
      return res.json().then((record) => Response.json({ ...(record as object), status: 'delivered' }));
    });
  const postRead = (
    block: string,
    body: unknown,
    headers: Record<string, string>,
    bindings: Record<string, unknown> = {},
  ) =>
    app.request(
      `/api/Twilio/${block}`,
      {
        method: 'POST',
        headers: { 'X-API-Key': CALLER_KEY, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      },
      { ...envWith(), ...bindings } as Env,
    );

  it('getMessage with the same Idempotency-Key twice asks Twilio twice: the second shows delivered, not a replay', async () => {
    const { seen } = advancing();
    const key = crypto.randomUUID();
    const one = await postRead('getMessage', { ...OWN, sid: SM }, { 'Idempotency-Key': key });
    const two = await postRead('getMessage', { ...OWN, sid: SM }, { 'Idempotency-Key': key });
    expect(seen).toHaveLength(2);
    expect(((await one.json()) as any).contextWrites.to.status).toBe('queued');
    expect(((await two.json()) as any).contextWrites.to.status).toBe('delivered');
    expect(two.headers.get('Idempotent-Replayed')).toBeNull();
    // No store is needed, so none is asked for: without the IDEMPOTENCY binding a read still answers.
    const unbound = await postRead(
      'getMessage',
      { ...OWN, sid: SM },
      { 'Idempotency-Key': key },
      { IDEMPOTENCY: undefined },
    );
    expect(unbound.status).toBe(200);
  });

  it('listMessages with Prefer: respond-async answers now, without Preference-Applied, and queues nothing', async () => {
    const { seen } = installFakeTwilio();
    const queued: unknown[] = [];
    const SENDS = { send: async (body: unknown) => void queued.push(body), sendBatch: async () => {} };
    const res = await postRead('listMessages', OWN, { Prefer: 'respond-async' }, { SENDS: SENDS as unknown as Queue });
    expect(res.status).toBe(200);
    expect(res.headers.get('Preference-Applied')).toBeNull();
    expect(res.headers.get('Location')).toBeNull();
    expect(((await res.json()) as any).callback).toBe('success');
    expect(queued).toHaveLength(0);
    expect(seen).toHaveLength(1);
    // A read needs no queue either.
    const unbound = await postRead('getCall', { ...OWN, sid: CA }, { Prefer: 'respond-async' }, { SENDS: undefined });
    expect(unbound.status).toBe(200);
  });

  it('a recipe that reads, with an event id and HOOKS_ASYNC=true: each delivery reads Twilio now, never a replay', async () => {
    const { seen } = advancing();
    const recipes = {
      'read-message': { block: 'getMessage', eventId: '{{event}}', fields: { ...OWN, sid: '{{sid}}' } },
    };
    const deliver = (query = '') =>
      app.request(
        `https://gateway.test/hooks/read-message${query}`,
        {
          method: 'POST',
          headers: { 'X-API-Key': CALLER_KEY, 'Content-Type': 'application/json' },
          body: JSON.stringify({ event: 'evt_1', sid: SM }),
        },
        envWith({ RECIPES: JSON.stringify(recipes), HOOKS_ASYNC: 'true' }),
      );
    const one = await deliver();
    const two = await deliver();
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(((await one.json()) as any).contextWrites.to.status).toBe('queued');
    expect(((await two.json()) as any).contextWrites.to.status).toBe('delivered');
    expect(two.headers.get('Idempotent-Replayed')).toBeNull();
    expect(seen).toHaveLength(2);
    const dry = (await (await deliver('?dryRun=1')).json()) as Record<string, unknown>;
    expect(dry).toMatchObject({ async: false, eventId: null, block: 'getMessage' });
  });
});
