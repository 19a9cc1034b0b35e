// The official twilio SDK (a devDependency of the tests, never bundled) against `npm run sandbox` over HTTP:
// what users' existing code does when pointed at the emulator with client.api.baseUrl. Run by `npm test`
// (node --test test/sdk/); it starts scripts/sandbox.mjs on a free port of 127.0.0.1 and stops it after.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import twilio from 'twilio';

const ACCOUNT = 'AC5ee1d9a6e8a24c7d9e0f1a2b3c4d5e6f';
const TOKEN = 'sdk-test-auth-token';
const KEY_SID = 'SK0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const KEY_SECRET = 'sdk-test-key-secret';
const FROM = '+15005550006';
const TO = '+14155550100';
const VOICE = 'http://demo.twilio.com/docs/voice.xml';
/** The emulator's clock runs 5x: a message is delivered 0.8 s after it is sent, a call is live from 0.9 s to 2.3 s. */
const SPEED = '5';

// The SDK rewrites the API host when an edge or a region is set; the emulator is reached by its address.
delete process.env.TWILIO_EDGE;
delete process.env.TWILIO_REGION;

let server;
let baseUrl;

/** A client of the SDK pointed at the emulator. */
function client(user = ACCOUNT, password = TOKEN, options = {}) {
  const c = twilio(user, password, options);
  c.api.baseUrl = baseUrl;
  return c;
}

/** Reads a record until `done` holds (no timed assertion: it polls until the state, or fails after 200 reads). */
async function until(read, done) {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await sleep(25);
  }
  throw new Error('the record never reached the awaited state');
}

/** The SDK's RestException of a request, with its status, code and message. */
async function refusal(promise) {
  try {
    await promise;
  } catch (err) {
    return { status: err.status, code: err.code, message: err.message, moreInfo: err.moreInfo };
  }
  assert.fail('expected Twilio to refuse the request');
}

/** Starts `npm run sandbox`'s script on a free port of 127.0.0.1 with `env`; resolves its process and base URL. */
async function startSandbox(env) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const child = spawn(process.execPath, [join(root, 'scripts/sandbox.mjs'), '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  // The banner's last line says the clock speed; the stream is read to its end so the server never blocks on it.
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (/Clock speed/.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the sandbox exited (${code}): ${out}`)));
  });
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  assert.ok(url, `the sandbox did not start: ${out}`);
  return { child, url, out };
}

/** An HTTP server on a free port of 127.0.0.1 that keeps each request's URL, headers and form in `received`. */
async function startReceiver(received, answer) {
  const receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({
        url: request.url,
        headers: request.headers,
        params: Object.fromEntries(new URLSearchParams(body)),
      });
      answer(response);
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  return receiver;
}

async function stop(child) {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

before(async () => {
  const started = await startSandbox({
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_API_KEY_SID: KEY_SID,
    TWILIO_API_KEY_SECRET: KEY_SECRET,
    SANDBOX_SPEED: SPEED,
    SANDBOX_CALLBACKS: 'false',
  });
  server = started.child;
  baseUrl = started.url;
  assert.match(started.out, new RegExp(`Account ${ACCOUNT} \\(and API key ${KEY_SID}\\)`));
  assert.doesNotMatch(started.out, new RegExp(`${TOKEN}|${KEY_SECRET}`));
});

after(() => stop(server));

describe('the official twilio SDK against npm run sandbox', () => {
  it('creates a message and a call', async () => {
    const c = client();
    const message = await c.messages.create({ from: FROM, to: TO, body: 'Hello from the SDK' });
    assert.match(message.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(message.status, 'queued');
    assert.equal(message.accountSid, ACCOUNT);
    assert.equal(message.numSegments, '1');
    assert.ok(message.dateCreated instanceof Date);
    const mms = await c.messages.create({ from: FROM, to: TO, mediaUrl: ['https://example.com/a.png'] });
    assert.match(mms.sid, /^MM/);
    const call = await c.calls.create({ from: FROM, to: TO, url: VOICE });
    assert.match(call.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(call.status, 'queued');
    assert.equal(call.fromFormatted, '(500) 555-0006');
  });

  it('authenticates with the API key too, and refuses a wrong token or another account with 401 20003', async () => {
    const key = client(KEY_SID, KEY_SECRET, { accountSid: ACCOUNT });
    assert.equal((await key.messages.create({ from: FROM, to: TO, body: 'k' })).accountSid, ACCOUNT);
    const wrong = await refusal(client(ACCOUNT, 'wrong-token').messages.create({ from: FROM, to: TO, body: 'x' }));
    assert.deepEqual([wrong.status, wrong.code, wrong.message], [401, 20003, 'Authenticate']);
    const other = await refusal(client('AC0123456789abcdef0123456789abcdef', TOKEN).calls.list());
    assert.deepEqual([other.status, other.code], [401, 20003]);
    const secretAsToken = await refusal(
      client(ACCOUNT, KEY_SECRET)
        .messages(`SM${'0'.repeat(32)}`)
        .fetch(),
    );
    assert.equal(secretAsToken.status, 401);
  });

  const magic = [
    ['messages', { from: '+15005550001', to: TO }, 21212],
    ['messages', { from: '+15005550007', to: TO }, 21606],
    ['messages', { from: '+15005550008', to: TO }, 21611],
    ['messages', { from: '+14155550199', to: TO }, 21606],
    ['messages', { from: FROM, to: '+15005550001' }, 21211],
    ['messages', { from: FROM, to: '+15005550002' }, 21612],
    ['messages', { from: FROM, to: '+15005550003' }, 21408],
    ['messages', { from: FROM, to: '+15005550004' }, 21610],
    ['messages', { from: FROM, to: '+15005550009' }, 21614],
    ['calls', { from: '+15005550001', to: TO }, 21212],
    ['calls', { from: '+14155550199', to: TO }, 21210],
    ['calls', { from: FROM, to: '+15005550001' }, 21217],
    ['calls', { from: FROM, to: '+15005550002' }, 21214],
    ['calls', { from: FROM, to: '+15005550003' }, 21215],
    ['calls', { from: FROM, to: '+15005550004' }, 21216],
  ];
  for (const [resource, params, code] of magic) {
    it(`${resource} from ${params.from} to ${params.to}: ${code}`, async () => {
      const extra = resource === 'messages' ? { body: 'x' } : { url: VOICE };
      const answer = await refusal(client()[resource].create({ ...params, ...extra }));
      assert.equal(answer.status, 400);
      assert.equal(answer.code, code);
      assert.equal(answer.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
    });
  }

  for (const [to, status, code] of [
    ['+15005553001', 'failed', 30001],
    ['+15005553003', 'undelivered', 30003],
    ['+15005553005', 'undelivered', 30005],
    ['+15005553006', 'undelivered', 30006],
    ['+15005553007', 'undelivered', 30007],
    ['+15005553008', 'undelivered', 30008],
  ]) {
    it(`a message to ${to} is accepted, then ends ${status} with error ${code}`, async () => {
      const c = client();
      const { sid, status: first } = await c.messages.create({ from: FROM, to, body: 'x' });
      assert.equal(first, 'queued');
      const end = await until(
        () => c.messages(sid).fetch(),
        (m) => m.status === status,
      );
      assert.equal(end.errorCode, code);
    });
  }

  for (const [to, status] of [
    ['+15005550020', 'busy'],
    ['+15005550021', 'no-answer'],
    ['+15005550022', 'failed'],
  ]) {
    it(`a call to ${to} (an emulator extension) is accepted, then ends ${status} with duration 0`, async () => {
      const c = client();
      const { sid, status: first } = await c.calls.create({ from: FROM, to, url: VOICE, timeout: 5 });
      assert.equal(first, 'queued');
      const end = await until(
        () => c.calls(sid).fetch(),
        (call) => call.status === status,
      );
      assert.equal(end.duration, '0');
      assert.equal(end.startTime, null);
    });
  }

  it('takes booleans as True/False, the form older helpers send', async () => {
    const c = client();
    const call = await c.calls.create({ from: FROM, to: TO, url: VOICE, record: 'True' });
    assert.equal(call.status, 'queued');
    const message = await c.messages.create({ from: FROM, to: TO, body: 'b', smartEncoded: 'False' });
    assert.equal(message.status, 'queued');
  });

  it('fetches a message until it reads delivered, with its dates', async () => {
    const c = client();
    const { sid } = await c.messages.create({ from: FROM, to: TO, body: 'track me' });
    const seen = new Set();
    const delivered = await until(
      () => c.messages(sid).fetch(),
      (m) => seen.add(m.status) && m.status === 'delivered',
    );
    assert.ok(delivered.dateSent instanceof Date);
    assert.ok(delivered.dateUpdated >= delivered.dateSent);
    assert.ok([...seen].every((s) => ['queued', 'sending', 'sent', 'delivered'].includes(s)));
    const missing = await refusal(c.messages(`SM${'f'.repeat(32)}`).fetch());
    assert.deepEqual([missing.status, missing.code], [404, 20404]);
  });

  it('lists with a filter, and pages with the next page URI', async () => {
    const c = client();
    const to = '+14155550142';
    const sids = [];
    for (let i = 0; i < 3; i++) sids.push((await c.messages.create({ from: FROM, to, body: `n${i}` })).sid);
    const listed = await c.messages.list({ to });
    assert.deepEqual(
      listed.map((m) => m.sid),
      [...sids].reverse(),
    );
    const first = await c.messages.page({ to, pageSize: 2 });
    assert.equal(first.instances.length, 2);
    const second = await first.nextPage();
    assert.deepEqual(
      second.instances.map((m) => m.sid),
      [sids[0]],
    );
    assert.equal(await second.nextPage(), undefined);
    const limited = await c.messages.list({ to, limit: 3, pageSize: 1 });
    assert.equal(limited.length, 3);
    const calls = await c.calls.list({ to: '+14155550143' });
    assert.deepEqual(calls, []);
    const refused = await refusal(c.messages.page({ pageSize: 1001 }));
    assert.equal(refused.status, 400);
  });

  it('hangs up a call in progress; a second hang-up is 21220', async () => {
    const c = client();
    const { sid } = await c.calls.create({ from: FROM, to: TO, url: VOICE });
    const live = await until(
      () => c.calls(sid).fetch(),
      (call) => call.status === 'in-progress',
    );
    assert.ok(live.startTime instanceof Date);
    const ended = await c.calls(sid).update({ status: 'completed' });
    assert.equal(ended.status, 'completed');
    assert.ok(ended.endTime instanceof Date);
    assert.equal(ended.duration, String(Math.round((ended.endTime - ended.startTime) / 1000)));
    const again = await refusal(c.calls(sid).update({ status: 'completed' }));
    assert.deepEqual([again.status, again.code], [400, 21220]);
    assert.equal(
      (await c.calls.list({ status: 'completed' })).some((call) => call.sid === sid),
      true,
    );
  });

  it('redacts a message, cancels a scheduled one (30409 for one that is not)', async () => {
    const c = client();
    const { sid } = await c.messages.create({ from: FROM, to: TO, body: 'my code is 1234' });
    const redacted = await c.messages(sid).update({ body: '' });
    assert.equal(redacted.body, '');
    const scheduled = await c.messages.create({
      messagingServiceSid: `MG${'3'.repeat(32)}`,
      to: TO,
      body: 'tomorrow',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 86_400_000),
    });
    assert.equal(scheduled.status, 'scheduled');
    const canceled = await c.messages(scheduled.sid).update({ status: 'canceled' });
    assert.equal(canceled.status, 'canceled');
    const refused = await refusal(c.messages(sid).update({ status: 'canceled' }));
    assert.deepEqual([refused.status, refused.code], [400, 30409]);
  });

  it('deletes a finished message and call; one in progress is 20009', async () => {
    const c = client();
    const message = await c.messages.create({ from: FROM, to: TO, body: 'bye' });
    const call = await c.calls.create({ from: FROM, to: TO, url: VOICE });
    const early = await refusal(c.calls(call.sid).remove());
    assert.equal(early.code, 20009);
    await until(
      () => c.messages(message.sid).fetch(),
      (m) => m.status === 'delivered',
    );
    assert.equal(await c.messages(message.sid).remove(), true);
    assert.equal((await refusal(c.messages(message.sid).fetch())).status, 404);
    await until(
      () => c.calls(call.sid).fetch(),
      (x) => x.status === 'completed',
    );
    assert.equal(await c.calls(call.sid).remove(), true);
    assert.equal((await refusal(c.calls(call.sid).fetch())).code, 20404);
  });
});

describe('npm run sandbox with SANDBOX_CALLBACKS=true and no credentials', () => {
  let demo;
  let receiver;
  const received = [];

  before(async () => {
    receiver = await startReceiver(received, (response) => response.writeHead(204).end());
    demo = await startSandbox({
      TWILIO_ACCOUNT_SID: '',
      TWILIO_AUTH_TOKEN: '',
      TWILIO_API_KEY_SID: '',
      TWILIO_API_KEY_SECRET: '',
      SANDBOX_SPEED: '1000',
      SANDBOX_CALLBACKS: 'true',
    });
  });

  after(async () => {
    await stop(demo?.child);
    receiver?.close();
  });

  it('prints the demo pair and accepts it', async () => {
    assert.match(demo.out, /Demo credentials: AC00000000000000000000000000000000 \/ sandbox-demo-token/);
    assert.match(demo.out, /status callbacks on/);
    const c = twilio('AC00000000000000000000000000000000', 'sandbox-demo-token');
    c.api.baseUrl = demo.url;
    assert.equal((await c.calls.list()).length, 0);
  });

  it("sends the status callbacks, which the SDK's own validateRequest accepts", async () => {
    const c = twilio('AC00000000000000000000000000000000', 'sandbox-demo-token');
    c.api.baseUrl = demo.url;
    const { port } = receiver.address();
    const hook = `http://127.0.0.1:${port}/status?tenant=7`;
    const { sid } = await c.messages.create({ from: FROM, to: TO, body: 'cb', statusCallback: hook });
    await until(
      async () => received.length,
      (n) => n >= 3,
    );
    assert.deepEqual(
      received.map((r) => r.params.MessageStatus),
      ['sending', 'sent', 'delivered'],
    );
    for (const r of received) {
      assert.equal(r.params.MessageSid, sid);
      const signature = r.headers['x-twilio-signature'];
      assert.equal(
        twilio.validateRequest('sandbox-demo-token', signature, `http://127.0.0.1:${port}${r.url}`, r.params),
        true,
      );
      assert.equal(
        twilio.validateRequest('another-token', signature, `http://127.0.0.1:${port}${r.url}`, r.params),
        false,
      );
    }
  });
});

describe('npm run sandbox acting as the person (Sandbox/Inbound.json)', () => {
  let receiver;
  const received = [];

  before(async () => {
    receiver = await startReceiver(received, (response) =>
      response.writeHead(200, { 'Content-Type': 'text/xml' }).end('<Response><Message>ok</Message></Response>'),
    );
  });

  after(() => receiver?.close());

  it("posts signed incoming messages and calls, which the SDK's own validateRequest accepts", async () => {
    const { port } = receiver.address();
    const inbound = (fields) =>
      client().request({
        method: 'post',
        uri: `${baseUrl}/2010-04-01/Accounts/${ACCOUNT}/Sandbox/Inbound.json`,
        data: fields,
      });
    const cases = [
      { Url: `http://127.0.0.1:${port}/twilio/messages`, From: TO, To: FROM, Body: 'STOP' },
      { Url: `http://127.0.0.1:${port}/twilio/messages?tenant=7`, From: TO, To: FROM, Body: "héllo & <b>'quoted'</b>" },
      { Url: `http://127.0.0.1:${port}/twilio/voice`, From: TO, To: FROM, Kind: 'call' },
    ];
    for (const fields of cases) {
      const answer = await inbound(fields);
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.body.answer, '<Response><Message>ok</Message></Response>');
    }
    assert.equal(received.length, cases.length);
    for (const r of received) {
      const signature = r.headers['x-twilio-signature'];
      const url = `http://127.0.0.1:${port}${r.url}`;
      assert.equal(twilio.validateRequest(TOKEN, signature, url, r.params), true);
      assert.equal(twilio.validateRequest('another-token', signature, url, r.params), false);
    }
    assert.equal(received[0].params.Body, 'STOP');
    assert.equal(received[2].params.CallStatus, 'ringing');
  });
});
