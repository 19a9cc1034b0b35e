import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Block, blocks, type Field, isOwnRecord } from '../../src/blocks';
import { installFakeTwilio } from '../fake-twilio';
import { ACCOUNT, call, minimalInput, mms, post, sms, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const own = { accountSid: ACCOUNT, accountToken: TOKEN };
/** A block's smallest valid request, from its table (helpers.ts), with the request's own credentials. */
const base = (block: Block): Record<string, unknown> => ({ ...own, ...minimalInput(block) });

/**
 * A caller value for a field and the form values Twilio must then receive, by the field's kind: the
 * table's example where any valid value will do, else a value chosen for what it tests (characters the
 * form must encode, a string for a boolean, the last option, a lower-case method, several list items,
 * a time zone offset).
 */
function sample(field: Field): { value: unknown; sent: string[] } {
  const example = { value: field.example, sent: [String(field.example)] };
  switch (field.kind) {
    case 'text':
      return field.pattern ? example : { value: 'ü & = + %', sent: ['ü & = + %'] };
    case 'url':
      return { value: 'https://example.com/hook?a=1&b=2', sent: ['https://example.com/hook?a=1&b=2'] };
    case 'integer':
      // As a numeric string, which callers may send.
      return { value: String(field.example), sent: [String(field.example)] };
    case 'boolean':
      return { value: 'false', sent: ['false'] };
    case 'enum': {
      const last = field.options?.at(-1) ?? '';
      return { value: last, sent: [last] };
    }
    case 'method':
      return { value: 'get', sent: ['GET'] };
    case 'list': {
      if (field.options) return { value: field.options.slice(0, 2), sent: field.options.slice(0, 2) };
      if (field.items === 'url')
        return {
          value: ['https://e.com/1.png', 'https://e.com/2.png'],
          sent: ['https://e.com/1.png', 'https://e.com/2.png'],
        };
      return { value: ['one', 'two'], sent: ['one', 'two'] };
    }
    case 'datetime':
      return { value: '2026-12-01T10:30:00+02:00', sent: ['2026-12-01T08:30:00Z'] };
    case 'date':
      return { value: '2026-12-01', sent: ['2026-12-01'] };
    case 'credential':
      throw new Error('credentials have no form key');
    default:
      // address, sid, number and any kind added since: the table's example.
      return example;
  }
}

/** The Twilio keys a base request sends (every name but the credentials). */
const baseKeys = (block: Block) =>
  Object.entries(base(block)).flatMap(([name, value]) =>
    value === undefined ? [] : [block.fields[name]?.key].filter((key) => key !== undefined),
  );

describe.each(blocks.filter((b) => !isOwnRecord(b)).map((b) => [b.name, b] as const))(
  '%s: every field reaches Twilio',
  (_, block) => {
    const named = Object.entries(block.fields).filter(([, f]) => f.kind !== 'credential');
    it.each(named.map(([name, field]) => [name, field] as const))('%s', async (name, field) => {
      const { seen } = installFakeTwilio();
      const { value, sent } = sample(field);
      const { status, json } = await post(block.name, { ...base(block), [name]: value });
      expect(json.callback, JSON.stringify(json)).toBe('success');
      expect(status).toBe(200);
      expect(seen).toHaveLength(1);
      // A SID goes in the path; a list's fields in the query; the others in the form body, with the fixed pairs.
      const params = block.action === 'list' ? seen[0]!.query : seen[0]!.form;
      const fixed = Object.keys(block.fixed ?? {});
      if (field.in === 'path') {
        expect(new URL(seen[0]!.url).pathname).toMatch(new RegExp(`/${block.resource}/${value}\\.json$`));
        expect(new Set(params.keys())).toEqual(new Set([...baseKeys(block), ...fixed]));
      } else {
        // The key itself is checked against Twilio's OpenAPI extract in contract.test.ts.
        const key = field.key!;
        expect(params.getAll(key)).toEqual(sent);
        // Nothing else changed: the base pairs are there, and no other key appeared.
        expect(new Set(params.keys())).toEqual(new Set([...baseKeys(block), key, ...fixed]));
      }
      expect(params.has('AccountSid')).toBe(false);
      expect(seen[0]!.body).not.toContain(TOKEN);
      expect(seen[0]!.url).not.toContain(TOKEN);
    });
  },
);

describe('exact form bodies (hand-written)', () => {
  // The inputs are written out here like the bodies they must give, not taken from the tables' examples.
  const message = { accountSid: ACCOUNT, accountToken: TOKEN, from: '+15005550006', to: '+15005550009' };
  const voice = {
    accountSid: ACCOUNT,
    accountToken: TOKEN,
    from: '+15005550006',
    to: '+14155550100',
    url: 'http://demo.twilio.com/docs/voice.xml',
  };
  it('sendSms from the block doc example', async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', { ...message, body: 'text' });
    expect(seen[0]!.body).toBe('From=%2B15005550006&To=%2B15005550009&Body=text');
  });
  it('sendSms with a messaging service, feedback and scheduling', async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', {
      ...message,
      from: undefined,
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      body: 'Hi there & bye',
      provideFeedback: true,
      scheduleType: 'fixed',
      sendAt: '2026-12-24T18:00:00-05:00',
      validityPeriod: 600,
    });
    expect(seen[0]!.body).toBe(
      'MessagingServiceSid=MG0123456789abcdef0123456789abcdef&To=%2B15005550009&Body=Hi+there+%26+bye' +
        '&ProvideFeedback=true&ValidityPeriod=600&ScheduleType=fixed&SendAt=2026-12-24T23%3A00%3A00Z',
    );
  });
  it('sendMms with two media urls and a body', async () => {
    const { seen } = installFakeTwilio();
    await post('sendMms', { ...message, body: 'look', mediaUrl: ['https://e.com/a.png', 'https://e.com/b.jpg'] });
    expect(seen[0]!.body).toBe(
      'From=%2B15005550006&To=%2B15005550009&Body=look&MediaUrl=https%3A%2F%2Fe.com%2Fa.png&MediaUrl=https%3A%2F%2Fe.com%2Fb.jpg',
    );
  });
  it('makeCall from the block doc example, with events, method, timeout and record', async () => {
    const { seen } = installFakeTwilio();
    await post('makeCall', {
      ...voice,
      method: 'get',
      statusCallback: 'https://e.com/cb',
      statusCallbackEvent: 'initiated ringing',
      timeout: '30',
      record: 'true',
      recordingChannels: 'dual',
    });
    expect(seen[0]!.body).toBe(
      'From=%2B15005550006&To=%2B14155550100&Url=http%3A%2F%2Fdemo.twilio.com%2Fdocs%2Fvoice.xml&Method=GET' +
        '&StatusCallback=https%3A%2F%2Fe.com%2Fcb&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing' +
        '&Timeout=30&Record=true&RecordingChannels=dual',
    );
  });
  it('makeCall with inline TwiML and no url', async () => {
    const { seen } = installFakeTwilio();
    await post('makeCall', { ...voice, url: undefined, twiml: '<Response><Say>Hi</Say></Response>' });
    expect(seen[0]!.body).toBe(
      'From=%2B15005550006&To=%2B14155550100&Twiml=%3CResponse%3E%3CSay%3EHi%3C%2FSay%3E%3C%2FResponse%3E',
    );
  });
});

describe('value shapes', () => {
  const sent = async (block: string, body: Record<string, unknown>, key: string) => {
    const { seen } = installFakeTwilio();
    const { json } = await post(block, body);
    expect(json.callback, JSON.stringify(json)).toBe('success');
    return seen[0]!.form.getAll(key);
  };

  it('mediaUrl: a string is one item, an array repeats the key', async () => {
    expect(await sent('sendMms', { ...mms, mediaUrl: 'https://e.com/a.png' }, 'MediaUrl')).toEqual([
      'https://e.com/a.png',
    ]);
    const ten = Array.from({ length: 10 }, (_, i) => `https://e.com/${i}.png`);
    expect(await sent('sendMms', { ...mms, mediaUrl: ten }, 'MediaUrl')).toEqual(ten);
  });
  it('mediaUrl: a string with a comma or space stays one URL', async () => {
    const url = 'https://e.com/a.png?x=1,2';
    expect(await sent('sendSms', { ...sms, mediaUrl: url }, 'MediaUrl')).toEqual([url]);
  });
  it.each([
    ['an array', ['initiated', 'ringing']],
    ['a space-separated string', 'initiated ringing'],
    ['a comma-separated string', 'initiated,ringing'],
    ['a comma-and-space string', ' initiated, ringing '],
  ])('statusCallbackEvent as %s', async (_, value) => {
    expect(await sent('makeCall', { ...call, statusCallbackEvent: value }, 'StatusCallbackEvent')).toEqual([
      'initiated',
      'ringing',
    ]);
  });
  it('recordingStatusCallbackEvent repeats the key too', async () => {
    expect(
      await sent(
        'makeCall',
        { ...call, recordingStatusCallbackEvent: 'in-progress completed' },
        'RecordingStatusCallbackEvent',
      ),
    ).toEqual(['in-progress', 'completed']);
  });
  it.each([
    [true, 'true'],
    [false, 'false'],
    ['true', 'true'],
    ['false', 'false'],
    // What older official helpers (twilio-python 7) put on the form, and Twilio takes.
    ['True', 'true'],
    ['False', 'false'],
  ])('boolean %j is sent as %s', async (value, expected) => {
    expect(await sent('makeCall', { ...call, record: value }, 'Record')).toEqual([expected]);
    expect(await sent('sendSms', { ...sms, provideFeedback: value }, 'ProvideFeedback')).toEqual([expected]);
  });
  it.each([
    [45, '45'],
    ['45', '45'],
    [600, '600'],
  ])('integer %j is sent as %s', async (value, expected) => {
    expect(await sent('makeCall', { ...call, timeout: value }, 'Timeout')).toEqual([expected]);
  });
  it.each([
    ['2026-12-01T10:30:00Z', '2026-12-01T10:30:00Z'],
    ['2026-12-01T10:30:00+02:00', '2026-12-01T08:30:00Z'],
    ['2026-12-01T10:30:00.000-0130', '2026-12-01T12:00:00Z'],
    ['2026-12-31T23:30+01:00', '2026-12-31T22:30:00Z'],
    ['2028-02-29T00:30:00+01:00', '2028-02-28T23:30:00Z'],
  ])('sendAt %s is sent in UTC as %s', async (value, expected) => {
    expect(await sent('sendSms', { ...sms, scheduleType: 'fixed', sendAt: value }, 'SendAt')).toEqual([expected]);
  });
  it('maxPrice as a number or a numeric string', async () => {
    expect(await sent('sendSms', { ...sms, maxPrice: 0.5 }, 'MaxPrice')).toEqual(['0.5']);
    expect(await sent('sendSms', { ...sms, maxPrice: '1.25' }, 'MaxPrice')).toEqual(['1.25']);
  });
  it('whatsapp: addresses pass through unchanged', async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', { ...sms, from: 'whatsapp:+15005550006', to: 'whatsapp:+14155550100' });
    expect(seen[0]!.form.get('From')).toBe('whatsapp:+15005550006');
    expect(seen[0]!.form.get('To')).toBe('whatsapp:+14155550100');
  });
  it('a unicode body is sent as UTF-8, untouched', async () => {
    const body = 'Grüße 👋 — 你好';
    expect(await sent('sendSms', { ...sms, body }, 'Body')).toEqual([body]);
  });
  it('a body of exactly 1600 characters is accepted', async () => {
    const body = 'x'.repeat(1600);
    expect(await sent('sendSms', { ...sms, body }, 'Body')).toEqual([body]);
  });
});
