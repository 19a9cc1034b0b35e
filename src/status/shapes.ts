import * as v from 'valibot';
import type { Resource } from '../twilio/api';
import { resourceShape } from '../twilio/shapes';

/**
 * What the status room adds to the answers (status/merge.ts), defined once: the store's type and the OpenAPI
 * document's schema (derived at build time) both come from here.
 */

const isoDate = v.pipe(v.string(), v.isoTimestamp());

/** One moment of a SID's history. */
export const TimelineEntryShape = v.object({
  status: v.string(),
  /** When it happened (Twilio's Timestamp for a call's events), else when it was received. */
  at: isoDate,
  receivedAt: isoDate,
  errorCode: v.nullable(v.string()),
  sequence: v.optional(v.pipe(v.number(), v.integer(), v.description("A call's SequenceNumber."))),
  /** Arrived after a later status: kept in the history, never the current status, never forwarded. */
  late: v.optional(v.literal(true)),
  reconciled: v.optional(
    v.pipe(v.literal(true), v.description('Fetched from Twilio by reconciliation: its callback never came.')),
  ),
});
export type TimelineEntry = Readonly<v.InferOutput<typeof TimelineEntryShape>>;

/** The `timeline` getMessage and getCall add (status/merge.ts: withHistory). */
export const Timeline = v.pipe(
  v.array(TimelineEntryShape),
  v.description(
    "getMessage, getCall and each record of listMessages and listCalls (up to 100 a page), when the gateway recorded statuses for the SID: every status, in order (a late one marked late, one fetched by reconciliation marked reconciled), with when it happened and was received. status and errorCode are then the recorded ones where further along than Twilio's answer.",
  ),
);

/** What a tracked create adds (TRACK_STATUS; status/track.ts). */
export const TrackingShape = v.pipe(
  v.object({
    correlationId: v.pipe(v.string(), v.uuid()),
    forward: v.optional(v.pipe(v.string(), v.url(), v.description('Your statusCallback, where the updates go.'))),
  }),
  v.description(
    "A create made with TRACK_STATUS: every update forwarded to your statusCallback for this record carries this correlationId (and the record's sid).",
  ),
);

/** A Message or a Call as the gateway answers it: Twilio's, with the timeline a read merges in and a tracked create's tracking. */
export const answeredShape = (resource: Resource) =>
  resourceShape(resource, { timeline: v.optional(Timeline), tracking: v.optional(TrackingShape) });
