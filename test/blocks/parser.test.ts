/**
 * blockParser is the block schema's safeParse made cheaper (narrowed to the fields an input names, no
 * reportInput on the way to a success). These properties hold it to exactly the full schema's results:
 * the same success, the same data, the same issues.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Block, blocks } from '../../src/blocks';
import { blockParser, blockSchema, normalizeInput } from '../../src/blocks/schema';
import { sms } from '../helpers';
import { deep, refusedInput, trickyObject, validInput, wrapped } from '../http/fuzz-arbitraries';

const SEED = 20_261_126;

/** The full schema's answer, reduced to what callers read: success, data, and the issues. */
function expected(block: Block, raw: unknown) {
  const result = blockSchema(block).safeParse(raw, { reportInput: true });
  return result.success ? { success: true, data: result.data } : { success: false, issues: result.error.issues };
}

function actual(parse: ReturnType<typeof blockParser>['parse'], raw: unknown) {
  const result = parse(raw);
  return result.success ? { success: true, data: result.data } : { success: false, issues: result.error.issues };
}

describe.each(blocks.map((block) => [block.name, block] as const))('blockParser(%s)', (_, block) => {
  const { parse } = blockParser(block);

  it('gives the full schema’s data for valid inputs, flat or wrapped in args', () => {
    const input = validInput(block, 'token').chain((flat) => fc.oneof(fc.constant(flat), wrapped(flat)));
    fc.assert(
      fc.property(input, (raw) => {
        const want = expected(block, raw);
        expect(want.success).toBe(true);
        expect(actual(parse, raw)).toEqual(want);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('gives the full schema’s issues for inputs the contract refuses', () => {
    fc.assert(
      fc.property(refusedInput(block, 'token'), ({ input }) => {
        expect(actual(parse, input)).toEqual(expected(block, input));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('agrees with the full schema on arbitrary JSON values and tricky keys', () => {
    const anything = fc.oneof(fc.jsonValue(), trickyObject, deep, fc.anything());
    fc.assert(
      fc.property(anything, (raw) => {
        expect(actual(parse, raw)).toEqual(expected(block, raw));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

/** normalizeInput as first written (object rest and spread), kept here as the reference its rewrite must match. */
function referenceNormalize(raw: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(raw)) return raw;
  const { args, ...rest } = raw;
  const flat = isObject(args) ? { ...rest, ...args } : raw;
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(flat)) if (value !== '' && value !== null) out[name] = value;
  return out;
}

describe('normalizeInput', () => {
  it('gives the same names, values and order as object rest and spread would', () => {
    const value = fc.oneof(fc.constantFrom('', null, 'x', 0, false), fc.jsonValue());
    const key = fc.oneof(fc.constantFrom('args', 'to', 'from', 'body', '__proto__', '1', 'b'), fc.string());
    const object = fc.dictionary(key, value, { maxKeys: 8 });
    const input = fc.oneof(
      object,
      fc.tuple(object, object).map(([top, args]) => ({ ...top, args })),
      fc.jsonValue(),
      trickyObject,
    );
    fc.assert(
      fc.property(input, (raw) => {
        const got = normalizeInput(raw);
        const want = referenceNormalize(raw);
        if (typeof want !== 'object' || want === null) {
          expect(got).toBe(want);
        } else {
          expect(Object.keys(got as object)).toEqual(Object.keys(want));
          expect(Object.values(got as object)).toEqual(Object.values(want));
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('blockParser', () => {
  const block = blocks.find((b) => b.name === 'sendSms') as Block;

  it('keeps the input’s values when a field is named twice (args wins) or blanked in args', () => {
    const { parse } = blockParser(block);
    const raw = { ...sms, body: 'outer', args: { body: 'inner', from: '' } };
    const result = parse(raw);
    expect(result).toEqual(blockSchema(block).safeParse(raw, { reportInput: true }));
    expect(normalizeInput(raw)).toEqual(Object.assign(Object.create(null), { ...sms, body: 'inner', from: undefined }));
  });

  it('still answers exactly once the cache of field sets is full', () => {
    const { parse } = blockParser(block);
    // More distinct sets of named fields than the parser keeps (2^9 = 512 > 256), valid ones and not.
    const extra: Record<string, unknown> = {
      statusCallback: 'https://example.com/s',
      applicationSid: 'x',
      maxPrice: '0.5',
      provideFeedback: true,
      attempt: 2,
      validityPeriod: 60,
      forceDelivery: 'yes',
      contentRetention: 'retain',
      smartEncoded: false,
    };
    const names = Object.keys(extra);
    const results = [];
    for (let set = 0; set < 2 ** names.length; set++) {
      const raw: Record<string, unknown> = { ...sms };
      names.forEach((name, i) => {
        if (set & (1 << i)) raw[name] = extra[name];
      });
      results.push([actual(parse, raw), expected(block, raw)]);
    }
    expect(results.filter(([got]) => got?.success)).toHaveLength(2 ** (names.length - 2));
    for (const [got, want] of results) expect(got).toEqual(want);
  });
});
