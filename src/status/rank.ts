/**
 * The order of statuses (../shared/twilio/FACTS.md, "Status callbacks"): callbacks may arrive late or out of
 * order, and a record never moves backwards. Messages: queued < sending < sent < a final status (delivered,
 * undelivered, failed, …); `read` comes after delivered only (a read overtaking its delivered moves on from
 * sent too), never after failed or undelivered. Calls: queued < initiated < ringing < in-progress < a final status; their
 * progress events carry a SequenceNumber, which orders them when both sides have one.
 */

const RANKS: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  initiated: 2,
  sent: 3,
  ringing: 3,
  'in-progress': 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  partially_delivered: 5,
  completed: 5,
  busy: 5,
  'no-answer': 5,
  read: 6,
};

/** The rank of the final statuses: once there, only `read` follows, and only `delivered`. */
const FINAL = 5;

/** A status's rank; an unknown one ranks lowest (recorded, but it never replaces a known status). */
export const rankOf = (status: string): number => RANKS[status] ?? -1;

/** Whether a status is final: nothing but `read` (after `delivered`) can follow it. */
export const isFinal = (status: string): boolean => rankOf(status) >= FINAL;

/** What ordering compares: the status and, for a call's progress events, its SequenceNumber. */
export interface Ordered {
  readonly status: string;
  readonly sequence?: number | undefined;
}

/**
 * Whether `next` moves a record that stands at `current` forwards. A final status is never left (but
 * `delivered` for `read`); otherwise a higher SequenceNumber wins when both have one, else the higher rank.
 */
export function advances(current: Ordered, next: Ordered): boolean {
  const [from, to] = [rankOf(current.status), rankOf(next.status)];
  if (from >= FINAL) return current.status === 'delivered' && next.status === 'read';
  if (current.sequence !== undefined && next.sequence !== undefined) return next.sequence > current.sequence;
  return to > from;
}
