import * as v from 'valibot';
import { blocks } from '../blocks';
import { errorEnvelopeShape, successEnvelope } from '../errors';

const RESULT = 'The envelope the send answered: success when done, the error when failed.';
const isoDate = v.pipe(v.string(), v.isoTimestamp());

/**
 * What `GET /api/Twilio/requests/{id}` shows: no secret, not the input as sent; the envelope once the send is
 * over (a success's envelope holds the created resource, with its to, from and body, as the sync answer does).
 * Defined once: the record's type here, its JSON Schema in the OpenAPI document (derived at build time).
 */
const shown = {
  id: v.pipe(v.string(), v.uuid(), v.description("The request's id; its record is at /api/Twilio/requests/{id}.")),
  status: v.picklist(['pending', 'done', 'failed']),
  block: v.picklist(blocks.map((block) => block.name)),
  created: isoDate,
  updated: isoDate,
  attempts: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Deliveries made so far.')),
  result: v.optional(v.pipe(v.union([successEnvelope(v.unknown()), errorEnvelopeShape()]), v.description(RESULT))),
  lastError: v.optional(
    v.pipe(v.string(), v.description("The last failure's documented string (while retrying, and once failed).")),
  ),
};

/**
 * The record as shown, with what each status brings: done, the success envelope (`sent`: what a block answers);
 * failed, the error envelope and its string.
 */
export const requestRecordShape = <S extends v.GenericSchema>(sent: S) =>
  v.pipe(
    v.variant('status', [
      v.strictObject({ ...shown, status: v.literal('pending'), result: v.optional(v.never()) }),
      v.strictObject({
        ...shown,
        status: v.literal('done'),
        result: v.pipe(successEnvelope(sent), v.description(RESULT)),
      }),
      v.strictObject({
        ...shown,
        status: v.literal('failed'),
        result: v.pipe(errorEnvelopeShape(), v.description(RESULT)),
        lastError: v.string(),
      }),
    ]),
    v.description(
      "An asynchronous send's record, kept 24 h: pending (with lastError while a 429 is retried), done (with the envelope the send answered), or failed (with the error envelope and lastError). It holds no input and no secret.",
    ),
  );

/** A request's record as stored: as shown, and the caller key's id (`key:…`) that alone may read it. */
export type RequestRecord = Readonly<v.InferOutput<v.ObjectSchema<typeof shown, undefined>>> & {
  /** Any holder of the id may read it when absent. Never shown. */
  readonly owner?: string;
};
