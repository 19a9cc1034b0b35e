// Where this Worker's CPU goes: each stage of a sendSms request, taken from src/ and looped N times in
// workerd with the upstream stubbed, so that a failed budget points at the part of src/ that dominates.
// Like micro-worker.js it does not time anything itself: the Node driver reads workerd's CPU time.
import { Hono } from 'hono';
import { app } from '../src/app';
import { toForm } from '../src/blocks/form';
import { sendSms } from '../src/blocks/messages';
import { blockSchema, normalizeInput } from '../src/blocks/schema';
import { readConfig } from '../src/config';
import { resolveAuth } from '../src/credentials';
import { createRecord } from '../src/twilio/client';
import { decodeResource } from '../src/twilio/decode';
import { validateBlock } from '../src/validate';
import { MESSAGE_201, SMS, stubFetch } from './canned.js';

const upstream = stubFetch();
const BODY = JSON.stringify(SMS);
const schema = blockSchema(sendSms);
const RESOURCE = decodeResource('Messages', JSON.parse(MESSAGE_201));
const SERVICE = '/api/:service{[Tt][Ww][Ii][Ll][Ii][Oo]}';
// Hono alone, with the app's route pattern: read the JSON body, answer the envelope. No src/ code.
const honoOnly = new Hono().post(`${SERVICE}/sendSms`, async (c) => {
  await c.req.json();
  return c.json({ callback: 'success', contextWrites: { to: RESOURCE } });
});
// The same, behind the app's validator middleware (src/validate.ts).
const honoValidated = new Hono().post(`${SERVICE}/sendSms`, validateBlock(sendSms), (c) =>
  c.json({ callback: 'success', contextWrites: { to: RESOURCE } }),
);
/** One request through a handler; anything but a success stops the loop (a failing path is not measured). */
const through = async (handler, env, ctx) => {
  const response = await handler.fetch(new Request('http://gateway.bench/api/Twilio/sendSms', init()), env, ctx);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status}: ${text.slice(0, 200)}`);
};
const init = () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });

/** Each stage once; the driver subtracts `baseline` (an empty iteration) from each. */
const stages = {
  baseline: async () => {},
  'stub upstream alone (fetch of a Request)': async () =>
    upstream(new Request('http://twilio.stub.invalid/x', { method: 'POST', body: 'To=1' })),
  'validate: JSON body through the zod schema (blocks/schema)': async () =>
    schema.safeParse(normalizeInput(JSON.parse(BODY)), { reportInput: true }),
  'config + credentials (config, credentials)': async (env) => resolveAuth(SMS, readConfig(env), 'Messages'),
  'form body (blocks/form)': async () => toForm(sendSms, SMS).toString(),
  'Twilio client: createRecord with the stub (twilio/client + decode)': async (env) =>
    createRecord(
      { baseUrl: 'http://twilio.stub.invalid', upstream, timeoutMs: 10_000 },
      'Messages',
      resolveAuth(SMS, readConfig(env), 'Messages'),
      toForm(sendSms, SMS),
    ),
  'decode the 201 body (twilio/decode)': async () => decodeResource('Messages', JSON.parse(MESSAGE_201)),
  'log line (log: JSON.stringify + console.log)': async () =>
    console.log(JSON.stringify({ route: 'POST /api/Twilio/sendSms', status: 200, twilioStatus: 201, durationMs: 0 })),
  'Hono alone: same route, c.req.json(), c.json(envelope); no src/ code': (env, ctx) => through(honoOnly, env, ctx),
  'Hono + validateBlock middleware (validate + blocks/schema)': (env, ctx) => through(honoValidated, env, ctx),
  'whole request: app.fetch (stub installed as global fetch)': (env, ctx) => through(app, env, ctx),
};

export default {
  async fetch(request, env, ctx) {
    const params = new URL(request.url).searchParams;
    const name = params.get('stage');
    if (name === null) return Response.json(Object.keys(stages));
    const stage = stages[name];
    if (!stage) return new Response('unknown stage', { status: 400 });
    globalThis.fetch = upstream;
    const n = Number(params.get('n') ?? '1000');
    for (let i = 0; i < n; i++) await stage(env, ctx);
    return Response.json({ n });
  },
};
