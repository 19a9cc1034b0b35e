import type { Block } from '../blocks';
import { toForm } from '../blocks/form';
import type { BlockInput } from '../blocks/schema';
import { type Config, twilioBaseUrl } from '../config';
import { GatewayError, toGatewayError } from '../errors';
import type { Place } from '../optouts/regions';
import type { SandboxOptions } from '../sandbox';
import { expectFinal } from '../status/pending';
import { tracked } from '../status/track';
import { callTwilio, type Upstream } from '../twilio/client';
import { framed, OPERATIONS } from '../twilio/operations';
import type { Caller } from './caller';
import { resolveAuth } from './credentials';
import { guard } from './guard';
import { listReceived } from './inbound-list';
import { enforced, manageOptOuts, noteOptedOut, refuseOptedOut } from './opt-outs';

/** What a send needs from whoever asks for it: a route, and later the queue consumer and the recipes. */
export interface SendContext {
  readonly config: Config;
  /** The caller's Cloudflare continent (request.cf), for TWILIO_EDGE=auto; absent outside a request. */
  readonly continent?: string | undefined;
  /** Where the request runs (request.cf, read on demand): the region whose opt-out replicas a message reads. */
  readonly place?: (() => Place | undefined) | undefined;
  /** Keeps work alive after the answer (the sandbox's status callbacks). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** Who asked: decides whether the stored credentials may be spent. */
  readonly caller: Caller;
  /** Sandbox mode: whether this caller may have status callbacks sent (SANDBOX_CALLBACKS and an authorised caller). */
  readonly callbacks: boolean;
  /** The Worker's bindings: PENDING (reconciliation), OPT_OUT_STORE (opt-outs), INBOX (listInbound). */
  readonly env?: Partial<Env> | undefined;
}

/** What Twilio's side of a send looked like, for the log line. */
export interface TwilioTrace {
  readonly status?: number | undefined;
  readonly code?: number | null | undefined;
  readonly requestId?: string | null | undefined;
  readonly attempts?: number | undefined;
  /** How long Twilio took, retries included (ms). */
  readonly ms?: number | undefined;
}

/** The outcome of one send, as data: what an idempotent replay stores and a queue consumer acts on. */
export type SendOutcome =
  | { readonly ok: true; readonly resource: Record<string, unknown>; readonly trace: TwilioTrace }
  | { readonly ok: false; readonly error: GatewayError };

/** Live mode's upstream: the runtime's fetch. */
const network: Upstream = (url, init) => fetch(url, init);

/** Sandbox mode's upstream, in a build that has the emulator (src/with-sandbox.ts); the production build has none. */
let emulator: ((options: SandboxOptions) => Upstream) | undefined;

/**
 * Puts the Twilio emulator in this build, for sandbox mode: src/with-sandbox.ts calls it once, at load. The
 * production entry (src/index.ts) does not, so the emulator stays out of the bundle `wrangler deploy` uploads.
 */
export function useSandbox(upstream: ((options: SandboxOptions) => Upstream) | undefined): void {
  emulator = upstream;
}

/**
 * The one pipeline of every block: credentials → destination guard (for what changes something) → the block's
 * fields as a form or a query → one Twilio request of the block's operation (bounded; retried only where that
 * cannot do anything twice) → the decoded answer. Every failure comes back as a GatewayError in the outcome,
 * framed for the operation (`Unable to fetch record: …`); nothing is thrown.
 */
export async function send(block: Block, input: BlockInput, ctx: SendContext): Promise<SendOutcome> {
  const { config } = ctx;
  const operation = OPERATIONS[block.action];
  const optOuts = enforced(config, ctx.env?.OPT_OUT_STORE);
  let started: number | undefined;
  try {
    // The opt-out blocks and listInbound are answered by the gateway's own records, not by Twilio.
    if (block.resource === 'OptOuts') return { ok: true, resource: await manageOptOuts(block, input, ctx), trace: {} };
    if (block.resource === 'Inbound') return { ok: true, resource: await listReceived(input, ctx), trace: {} };
    // A record's SID was checked against its pattern by the block's schema before it gets into a path.
    const sid = operation.record ? (input.sid as string) : undefined;
    const auth = resolveAuth(
      input,
      config,
      sid === undefined ? block.resource : `${block.resource}/${sid}`,
      ctx.caller,
    );
    guard(block, input, config);
    await refuseOptedOut(block, input, optOuts, ctx.place);
    const upstream = config.TWILIO_MODE === 'sandbox' ? sandbox(ctx) : network;
    // TRACK_STATUS: a create gives Twilio the gateway's status receiver, which keeps and forwards (status/track.ts).
    const { input: sent, tracking } = block.action === 'create' ? tracked(input, config) : { input };
    started = Date.now();
    const result = await callTwilio(
      { baseUrl: twilioBaseUrl(config, ctx.continent), upstream, timeoutMs: config.TWILIO_TIMEOUT_MS },
      auth,
      { resource: block.resource, operation, sid, params: toForm(block, sent) },
    );
    const { status, requestId, attempts } = result;
    const trace = { status, requestId, attempts, ms: Date.now() - started };
    if (!tracking) return { ok: true, resource: result.resource, trace };
    // Reconciliation fetches it if its callbacks never come (send/reconcile.ts); the answer says how to correlate.
    ctx.waitUntil(expectFinal(ctx.env, block.resource, result.resource, tracking, config));
    return { ok: true, resource: { ...result.resource, tracking }, trace };
  } catch (err) {
    const error = framed(block.action, toGatewayError(err));
    await noteOptedOut(block, input, optOuts, error);
    if (started === undefined || !error.detail.attempts) return { ok: false, error };
    const ms = Date.now() - started;
    return { ok: false, error: new GatewayError(error.status, error.text, { ...error.detail, ms }) };
  }
}

/**
 * The emulator's upstream for this send (and, with `deliver`, for the sandbox inbox: send/as-the-person.ts); a
 * build without it refuses sandbox mode rather than call Twilio.
 */
export function sandbox(ctx: SendContext, deliver?: SandboxOptions['deliver']): Upstream {
  if (!emulator) {
    throw new GatewayError(
      500,
      'Gateway configuration error: TWILIO_MODE=sandbox needs the build with the Twilio emulator (src/with-sandbox.ts)',
      {
        source: 'gateway',
        code: null,
        hint: 'TWILIO_MODE: set live to send through Twilio, or run the emulator build: npm start, or wrangler deploy src/with-sandbox.ts.',
      },
    );
  }
  return emulator({ callbacks: ctx.callbacks, waitUntil: ctx.waitUntil, settings: ctx.config, deliver });
}
