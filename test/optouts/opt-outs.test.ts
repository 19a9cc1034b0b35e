import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { addOptOut, homeOf, removeOptOut } from '../../src/optouts/store';
import { installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, expectError, post, sms, TOKEN } from '../helpers';
import { person } from './helpers';

const REFUSED = '[HTTP 400] Unable to create record: Attempt to send to unsubscribed recipient';
const SERVICE = `MG${'0123456789abcdef'.repeat(2)}`;

afterEach(() => vi.restoreAllMocks());

describe('opt-outs enforced before Twilio is called', () => {
  it('refuses a send to a person who opted out of that sender with 21610, source gateway, and calls no Twilio', async () => {
    const to = person();
    await addOptOut(env.OPT_OUT_STORE, [sms.from as string], to, 'keyword');
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, to });
    expectError(answer, 400, REFUSED, { code: 21610, source: 'gateway' });
    expect(seen).toHaveLength(0);
  });

  it('sends from another sender, and to another person, as usual', async () => {
    const to = person();
    await addOptOut(env.OPT_OUT_STORE, ['+15005550007'], to, 'keyword');
    const { seen } = installFakeTwilio();
    expect((await post('sendSms', { ...sms, to })).json.callback).toBe('success');
    expect((await post('sendSms', { ...sms, from: '+15005550007', to: person() })).json.callback).toBe('success');
    expect(seen).toHaveLength(2);
  });

  it('refuses a send through a Messaging Service the person opted out of, even with a From beside it', async () => {
    const to = person();
    await addOptOut(env.OPT_OUT_STORE, [SERVICE], to, 'keyword');
    const { seen } = installFakeTwilio();
    const { from: _from, ...viaService } = sms;
    expectError(await post('sendSms', { ...viaService, messagingServiceSid: SERVICE, to }), 400, REFUSED, {
      code: 21610,
      source: 'gateway',
    });
    expectError(
      await post('sendMms', { ...sms, messagingServiceSid: SERVICE, to, mediaUrl: ['https://example.com/a.png'] }),
      400,
      REFUSED,
      {
        code: 21610,
        source: 'gateway',
      },
    );
    expect(seen).toHaveLength(0);
  });

  it('does not refuse a call: opt-outs are about messages', async () => {
    const to = person();
    await addOptOut(env.OPT_OUT_STORE, ['+15005550006'], to, 'keyword');
    const { seen } = installFakeTwilio();
    const answer = await post('makeCall', {
      accountSid: ACCOUNT,
      accountToken: TOKEN,
      from: '+15005550006',
      to,
      url: 'https://example.com/twiml',
    });
    expect(answer.json.callback).toBe('success');
    expect(seen).toHaveLength(1);
  });

  it('with OPT_OUTS=off sends to an opted-out person and never reads the list', async () => {
    const to = person();
    await addOptOut(env.OPT_OUT_STORE, [sms.from as string], to, 'keyword');
    const { seen } = installFakeTwilio();
    const stores = { get: vi.fn(), idFromName: vi.fn() };
    const answer = await post('sendSms', { ...sms, to }, { OPT_OUTS: 'off', OPT_OUT_STORE: stores as never });
    expect(answer.json.callback).toBe('success');
    expect(seen).toHaveLength(1);
    expect(stores.idFromName).not.toHaveBeenCalled();
  });

  it("records Twilio's own 21610 answer as an opt-out, so the next send is refused without calling Twilio", async () => {
    const to = person();
    const { seen } = installFakeTwilio(() =>
      twilioErrorResponse(400, 21610, 'Attempt to send to unsubscribed recipient'),
    );
    expectError(await post('sendSms', { ...sms, to }), 400, REFUSED, { code: 21610, source: 'twilio' });
    expectError(await post('sendSms', { ...sms, to }), 400, REFUSED, { code: 21610, source: 'gateway' });
    expect(seen).toHaveLength(1);
    expect(await homeOf(env.OPT_OUT_STORE, sms.from as string).get(to)).toMatchObject({ to, via: 'twilio-21610' });
  });

  it('the sandbox: its unsubscribed test number +15005550004 is refused by Twilio once, then by the gateway', async () => {
    const sandbox = { TWILIO_MODE: 'sandbox' };
    const input = { from: '+15005550006', to: '+15005550004', body: 'hi' };
    await removeOptOut(env.OPT_OUT_STORE, ['+15005550006'], '+15005550004');
    const first = await post('sendSms', input, sandbox);
    expect(first.json.error).toMatchObject({ code: 21610, source: 'twilio' });
    const second = await post('sendSms', input, sandbox);
    expectError(second, 400, REFUSED, { code: 21610, source: 'gateway' });
  });
});

describe('the opt-out blocks', () => {
  it('addOptOut, listOptOuts and removeOptOut keep the list a send reads', async () => {
    const to = person();
    const from = '+15005550006';
    const added = await post('addOptOut', { from, to });
    expect(added.json).toEqual({
      callback: 'success',
      contextWrites: { to: { sender: from, to, at: expect.any(String), via: 'manual', optedOut: true } },
    });
    const listed = await post('listOptOuts', { from, to });
    expect(listed.json.contextWrites.to).toEqual({
      sender: from,
      optOuts: [{ to, at: added.json.contextWrites.to.at, via: 'manual' }],
      nextPageToken: null,
    });
    installFakeTwilio();
    expect((await post('sendSms', { ...sms, to })).json.error.code).toBe(21610);
    const removed = await post('removeOptOut', { from, to });
    expect(removed.json.contextWrites.to).toEqual({ sender: from, to, optedOut: false, removed: true });
    expect((await post('removeOptOut', { from, to })).json.contextWrites.to.removed).toBe(false);
    expect((await post('sendSms', { ...sms, to })).json.callback).toBe('success');
  });

  it('listOptOuts pages through a sender in address order', async () => {
    const from = `+1500${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const people = ['+14155550103', '+14155550101', '+14155550102'];
    for (const to of people) await post('addOptOut', { from, to });
    const first = await post('listOptOuts', { from, pageSize: 2 });
    expect(first.json.contextWrites.to.optOuts.map((o: { to: string }) => o.to)).toEqual([
      '+14155550101',
      '+14155550102',
    ]);
    const token = first.json.contextWrites.to.nextPageToken;
    const second = await post('listOptOuts', { from, pageSize: 2, pageToken: token });
    expect(second.json.contextWrites.to).toMatchObject({ nextPageToken: null, optOuts: [{ to: '+14155550103' }] });
  });

  it('refuses a caller without a key, and a block without a sender or a person', async () => {
    const anonymous = await app.request(
      '/api/Twilio/removeOptOut',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ from: '+15005550006', to: '+15005550004' }),
      },
      env,
    );
    expect(anonymous.status).toBe(401);
    const noSender = await post('addOptOut', { to: person() });
    expect(noSender.status).toBe(400);
    expect(noSender.json.contextWrites.to).toContain("'from'");
    const noPerson = await post('removeOptOut', { from: '+15005550006' });
    expect(noPerson.status).toBe(400);
  });
});
