import { afterEach, describe, expect, it, vi } from 'vitest';
import { blocks, isOwnRecord } from '../../src/blocks';
import { installFakeTwilio } from '../fake-twilio';
import { send } from '../helpers';

afterEach(() => vi.restoreAllMocks());

/** The block doc's types. */
const DOC_TYPES = ['credentials', 'String', 'Number', 'Boolean', 'Select', 'List', 'Array', 'Datepicker', 'Map'];

interface Arg {
  name: string;
  type: string;
  info: string;
  required: boolean;
  options?: string[];
}

async function descriptor(path = '/api/Twilio') {
  const { seen } = installFakeTwilio();
  const answer = await send(path, { method: 'GET' });
  expect(answer.status).toBe(200);
  expect(answer.res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(seen).toHaveLength(0);
  return answer.json as {
    package: string;
    tagline: string;
    description: string;
    accounts: { domain: string; credentials: string[] };
    blocks: { name: string; description: string; args: Arg[]; callbacks: string[] }[];
  };
}

const argsOf = async (block: string) => {
  const found = (await descriptor()).blocks.find((b) => b.name === block);
  if (!found) throw new Error(`no block ${block}`);
  return Object.fromEntries(found.args.map((a) => [a.name, a]));
};

describe('GET /api/Twilio', () => {
  it('describes the package and its accounts', async () => {
    const d = await descriptor();
    expect(Object.keys(d)).toEqual(['package', 'tagline', 'description', 'accounts', 'blocks']);
    expect(d.package).toBe('Twilio');
    expect(d.description).toMatch(/Twilio/);
    expect(d.accounts).toEqual({ domain: 'twilio.com', credentials: ['accountSid', 'accountToken'] });
  });
  it('matches Twilio in the path case-insensitively', async () => {
    expect(await descriptor('/api/twilio')).toEqual(await descriptor());
  });
  it('lists the block doc’s three blocks in its order, then the reads and changes, each with success and error callbacks', async () => {
    const d = await descriptor();
    expect(d.blocks.map((b) => b.name)).toEqual(blocks.map((b) => b.name));
    expect(d.blocks.slice(0, 3).map((b) => b.name)).toEqual(['makeCall', 'sendSms', 'sendMms']);
    for (const block of d.blocks) {
      expect(block.callbacks).toEqual(['success', 'error']);
      expect(block.description.length).toBeGreaterThan(10);
    }
  });
  it('derives each block’s args from its table: every field, in order, with a block doc type and its description', async () => {
    const d = await descriptor();
    for (const block of blocks) {
      const described = d.blocks.find((b) => b.name === block.name)!;
      expect(described.args.map((a) => a.name)).toEqual(Object.keys(block.fields));
      for (const arg of described.args) {
        const field = block.fields[arg.name]!;
        expect(DOC_TYPES, `${block.name}.${arg.name}`).toContain(arg.type);
        expect(arg.info).toBe(field.description);
        expect(arg.info.length).toBeGreaterThan(5);
        if (arg.type === 'Select') expect(arg.options?.length).toBeGreaterThan(0);
        if (field.options) expect(arg.options).toEqual([...field.options]);
        else expect(arg).not.toHaveProperty('options');
      }
    }
  });
  it('has every parameter: 2 credentials + 36 for makeCall, 2 + 25 for the message blocks, 2 + Twilio’s for the others', async () => {
    const d = await descriptor();
    expect(d.blocks.slice(0, 3).map((b) => b.args.length)).toEqual([38, 27, 27]);
    // The others: Twilio's parameters, as their tables (checked against Twilio's OpenAPI in contract.test.ts).
    expect(d.blocks.map((b) => b.args.length)).toEqual(blocks.map((b) => Object.keys(b.fields).length));
  });
  it('the record’s SID is a required arg named sid wherever a block names one record', async () => {
    const d = await descriptor();
    // removeOptOut deletes by sender and person, not by a record's SID.
    const named = blocks
      .filter((b) => b.action !== 'create' && b.action !== 'list' && !isOwnRecord(b))
      .map((b) => b.name);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) {
      const sid = d.blocks.find((b) => b.name === name)!.args.find((a) => a.name === 'sid');
      expect(sid, name).toMatchObject({ type: 'String', required: true });
    }
  });
  it('makeCall: the block doc’s fields with the block doc’s types', async () => {
    const args = await argsOf('makeCall');
    expect(args.accountSid).toMatchObject({ type: 'credentials' });
    expect(args.accountToken).toMatchObject({ type: 'credentials' });
    for (const name of ['from', 'to', 'url', 'applicationSid', 'fallbackUrl', 'statusCallback', 'sendDigits']) {
      expect(args[name], name).toMatchObject({ type: 'String' });
    }
    expect(args.method).toMatchObject({ type: 'Select', options: ['GET', 'POST'] });
    expect(args.fallbackMethod).toMatchObject({ type: 'Select', options: ['GET', 'POST'] });
    expect(args.statusCallbackEvent).toMatchObject({
      type: 'List',
      options: ['initiated', 'ringing', 'answered', 'completed'],
    });
    expect(args.timeout).toMatchObject({ type: 'Number' });
    expect(args.record).toMatchObject({ type: 'Boolean' });
    expect(args.recordingChannels).toMatchObject({ type: 'Select', options: ['mono', 'dual'] });
  });
  it('makeCall: to and from are required; url is one of a group, so not required alone', async () => {
    const args = await argsOf('makeCall');
    expect(args.to?.required).toBe(true);
    expect(args.from?.required).toBe(true);
    expect(args.url?.required).toBe(false);
    expect(args.twiml?.required).toBe(false);
    expect(args.method?.required).toBe(false);
  });
  it('sendSms and sendMms: the block doc’s fields with its types', async () => {
    for (const block of ['sendSms', 'sendMms']) {
      const args = await argsOf(block);
      expect(args.accountSid).toMatchObject({ type: 'credentials' });
      for (const name of ['from', 'messagingServiceSid', 'to', 'body', 'statusCallback', 'applicationSid']) {
        expect(args[name], name).toMatchObject({ type: 'String' });
      }
      expect(args.mediaUrl).toMatchObject({ type: 'List' });
      expect(args.maxPrice).toMatchObject({ type: 'Number' });
      expect(args.provideFeedback).toMatchObject({ type: 'Boolean' });
      expect(args.sendAt).toMatchObject({ type: 'Datepicker' });
      expect(args.scheduleType).toMatchObject({ type: 'Select', options: ['fixed'] });
      expect(args.to?.required).toBe(true);
      expect(args.from?.required).toBe(false);
    }
    expect((await argsOf('sendMms')).mediaUrl?.required).toBe(true);
    expect((await argsOf('sendSms')).mediaUrl?.required).toBe(false);
  });
  it('never shows a secret or a configured value', async () => {
    const answer = await send('/api/Twilio', { method: 'GET' });
    expect(answer.text).not.toContain('env-secret-token');
    expect(answer.text).not.toContain('AC00000000000000000000000000000001');
  });
});
