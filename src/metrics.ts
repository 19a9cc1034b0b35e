/**
 * One data point per send, callback, reconciliation fetch and refusal, written to Workers Analytics Engine (the
 * optional METRICS binding; docs/observability.md queries it). Without the binding nothing is written.
 */
export interface Point {
  /** What happened: a send (any block's request), a status callback, a reconciliation fetch, a refusal. */
  readonly event: 'send' | 'callback' | 'reconcile' | 'refusal';
  /** The block's name (`sendSms`), `status` for a callback, the recipe's `hook:<name>`. */
  readonly block: string;
  /** `ok` or `error` for a send, the status recorded for a callback or fetch, the refusal's kind. */
  readonly outcome: string;
  /** Twilio's error code or the gateway's, else the HTTP status of a refusal; empty on success. */
  readonly code: string;
  /** Whose rule failed: `twilio` or `gateway`; empty on success. */
  readonly source: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** How long Twilio took (ms), retries included; 0 when Twilio was not asked. */
  readonly twilioMs: number;
  /** The destination's calling code (`+44`), or empty. */
  readonly country: string;
  /** The caller key's id (`key:…`, a digest prefix, never the key), `hook:<name>`, `reconcile` or `anonymous`. */
  readonly caller: string;
}

/** Where points go. */
export interface Metrics {
  write(point: Point): void;
}

/**
 * The layout in Analytics Engine (the SQL API's columns): index1 = caller; blob1 event, blob2 block, blob3
 * outcome, blob4 code, blob5 source, blob6 country, blob7 caller; double1 Twilio's ms, double2 HTTP status.
 */
export function metricsOf(env: Partial<Env> | undefined): Metrics | undefined {
  const dataset = env?.METRICS;
  if (!dataset) return undefined;
  return {
    write(p) {
      try {
        dataset.writeDataPoint({
          indexes: [p.caller.slice(0, 96)],
          blobs: [p.event, p.block, p.outcome, p.code, p.source, p.country, p.caller],
          doubles: [p.twilioMs, p.status],
        });
      } catch {
        // A metric never fails what it measures.
      }
    },
  };
}

/** Calling codes of one or two digits (ITU-T E.164 assignments); every other code has three. */
const SHORT_CODES = new Set(
  (
    '1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 ' +
    '81 82 84 86 90 91 92 93 94 95 98'
  ).split(' '),
);

/**
 * The calling code of an E.164 number (`+447700900123` → `+44`), also behind a channel prefix
 * (`whatsapp:+44…`); empty for anything else (a SIP or client address, a short code).
 */
export function callingCode(to: unknown): string {
  if (typeof to !== 'string') return '';
  const digits = /^(?:[a-z]+:)?\+([1-9]\d{6,14})$/.exec(to.trim())?.[1];
  if (!digits) return '';
  const code = [1, 2].map((n) => digits.slice(0, n)).find((prefix) => SHORT_CODES.has(prefix)) ?? digits.slice(0, 3);
  return `+${code}`;
}
