import { HTTPException } from 'hono/http-exception';
import * as v from 'valibot';

/** Whose rule refused: Twilio's (its answer, or its own rule checked locally with its code and message) or the gateway's own. */
export type ErrorSource = 'twilio' | 'gateway';

/**
 * Typed failures, thrown anywhere below the routes and turned into the documented envelope in one place
 * (envelope.ts). `text` is exactly what the caller reads in `contextWrites.to`; it never holds a secret.
 */
export class GatewayError extends Error {
  constructor(
    /** The HTTP status the gateway answers with (before ERROR_STATUS=always-200). */
    readonly status: number,
    /** The documented string, e.g. `[HTTP 401] Unable to create record: Authenticate`. */
    readonly text: string,
    readonly detail: {
      readonly source: ErrorSource;
      /** The message alone, as Twilio states it (without the `[HTTP n] Unable to create record:` frame). */
      readonly message?: string;
      readonly code?: number | null;
      readonly moreInfo?: string | null;
      /** The status Twilio answered with, when Twilio answered. */
      readonly twilioStatus?: number;
      /** True when the same request may be sent again safely. */
      readonly retryable?: boolean;
      /** Twilio's request id and how many POSTs were made, for the log line only. */
      readonly requestId?: string | null;
      readonly attempts?: number;
      /** How long Twilio took (ms), for the metrics only. */
      readonly ms?: number;
      /** How to fix the request or the setting, in one sentence; never a secret's value. */
      readonly hint?: string;
    },
  ) {
    super(text);
    this.name = 'GatewayError';
  }

  /**
   * The same error framed for another operation, as Twilio's helper libraries frame it (`[HTTP 404] Unable to
   * fetch record: …`, `Unable to fetch page`); an error not framed `Unable to create record` is returned as it is.
   */
  reframed(unable: string): GatewayError {
    const { message, twilioStatus } = this.detail;
    const status = twilioStatus ?? this.status;
    if (message === undefined || this.text !== record(status, message)) return this;
    return new GatewayError(this.status, record(status, message, unable), this.detail);
  }

  /** The same error with a hint of how to fix it; a hint already given is kept, and none leaves it as it is. */
  hinted(hint: string | undefined): GatewayError {
    if (hint === undefined || this.detail.hint !== undefined) return this;
    return new GatewayError(this.status, this.text, { ...this.detail, hint });
  }

  /** The same error, with the facts of the Twilio exchange added for the log line. */
  traced(requestId: string | null, attempts: number): GatewayError {
    return new GatewayError(this.status, this.text, { ...this.detail, requestId, attempts });
  }
}

/** Twilio's documentation page of an error code. */
export function moreInfoUrl(code: number): string {
  return `https://www.twilio.com/docs/errors/${code}`;
}

const record = (status: number, message: string, unable = 'create record') =>
  `[HTTP ${status}] Unable to ${unable}: ${message}`;

/** An error as Twilio states it (or would, for a locally caught one). Twilio 5xx become 502. */
export function twilioError(status: number, code: number | null, message: string, info?: string | null) {
  return new GatewayError(status >= 500 ? 502 : status, record(status, message), {
    source: 'twilio',
    message,
    code,
    moreInfo: info ?? (code === null ? null : moreInfoUrl(code)),
    twilioStatus: status,
    // Twilio did not process a 429, and a 4xx is its final word. After a 5xx the record may exist: in doubt.
    retryable: status === 429,
  });
}

/**
 * A request the block doc's contract refuses before Twilio is involved (bad body, unknown field, no route).
 * Framed as the block doc frames every failure: these strings are documented.
 */
export function badRequest(message: string, status = 400) {
  return new GatewayError(status, record(status, message), {
    source: 'gateway',
    message,
    code: null,
    retryable: false,
  });
}

/**
 * A refusal of the gateway's own (caller keys, rate limits, body size, destinations): framed so that it never
 * reads like Twilio's `Unable to create record`.
 */
export function gatewayRefusal(status: number, message: string, retryable = false) {
  return new GatewayError(status, `[HTTP ${status}] Refused by the gateway: ${message}`, {
    source: 'gateway',
    message,
    code: null,
    retryable,
  });
}

/** No credentials in the request nor in the Worker's secrets: the block doc's bare string. */
export function credentialsMissing() {
  return new GatewayError(400, 'Credentials are required to create a Client', {
    source: 'gateway',
    code: null,
    retryable: false,
    hint: 'Send accountSid and accountToken in the body, or set the secrets TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (docs/configuration.md).',
  });
}

/**
 * Twilio could not be reached, or answered something that is not a Twilio answer (a redirect, a body cut off,
 * too large or unreadable). The POST may have gone out and been processed: in doubt, so not retryable.
 */
export function badGateway(message: string) {
  return new GatewayError(502, record(502, message), { source: 'gateway', message, code: null, retryable: false });
}

/** Twilio did not answer in time. The request may still have been processed: not safe to retry blindly. */
export function gatewayTimeout(ms: number) {
  const message = `Twilio did not answer within ${ms} ms`;
  return new GatewayError(504, record(504, message), {
    source: 'gateway',
    message,
    code: null,
    retryable: false,
  });
}

/** How every configuration error's documented string starts. */
export const CONFIG_ERROR = 'Gateway configuration error: ';

/** The Worker's own configuration is invalid; names the setting, never its value. */
export function configError(names: readonly string[]) {
  return new GatewayError(500, `${CONFIG_ERROR}invalid ${names.join(', ')}`, {
    source: 'gateway',
    code: null,
  });
}

/**
 * A failure nobody expected: its message could carry input, so it is never shown. It may come after a send went
 * out (a store that failed to answer), so it is not retryable.
 */
export function internalError() {
  return new GatewayError(500, 'Internal error', { source: 'gateway', code: null, retryable: false });
}

/** Any failure as a GatewayError: typed ones pass, Hono's body errors keep their 4xx, the rest are 500. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof HTTPException && err.status < 500) return badRequest(err.message, err.status);
  return internalError();
}

const errorEnvelope = () =>
  v.pipe(
    v.object({
      callback: v.literal('error'),
      contextWrites: v.object({
        to: v.pipe(
          v.string(),
          v.description('The documented string, e.g. "[HTTP 401] Unable to create record: Authenticate".'),
        ),
      }),
      error: v.object({
        status: v.pipe(
          v.number(),
          v.integer(),
          v.description("Twilio's status when Twilio answered, else the gateway's."),
        ),
        code: v.pipe(
          v.nullable(v.pipe(v.number(), v.integer())),
          v.description("Twilio's error code, null for the gateway's own refusals."),
        ),
        moreInfo: v.nullable(v.pipe(v.string(), v.url())),
        retryable: v.pipe(v.boolean(), v.description('True when the same request may be sent again safely.')),
        source: v.pipe(
          v.picklist(['twilio', 'gateway'] satisfies ErrorSource[]),
          v.description(
            '"twilio": Twilio\'s answer, or Twilio\'s own rule checked locally with its code and message. "gateway": the gateway\'s own refusals and failures.',
          ),
        ),
        hint: v.optional(
          v.pipe(
            v.string(),
            v.description(
              'How to fix the request or the setting, when the gateway knows (absent otherwise); never a secret.',
            ),
          ),
        ),
      }),
    }),
    v.description(
      'Every failure. contextWrites.to is the documented string; error is additive. With ERROR_STATUS=always-200 the HTTP status is 200 and error.status keeps the real one.',
    ),
  );
let shape: ReturnType<typeof errorEnvelope> | undefined;
/**
 * The error envelope, defined once: its type here, its JSON Schema in the OpenAPI document (derived at build
 * time). Made on first use, one object (the document names it by identity), so that the Worker bundle, which
 * never calls it, does not carry it.
 */
export const errorEnvelopeShape = () => {
  shape ??= errorEnvelope();
  return shape;
};

/** The success envelope around what a block answers (`to`): a record, a page of them, or a deletion. */
export const successEnvelope = <S extends v.GenericSchema>(to: S) =>
  v.object({ callback: v.literal('success'), contextWrites: v.object({ to }) });

/** The error envelope's type. */
export type ErrorAnswer = v.InferOutput<ReturnType<typeof errorEnvelope>>;

/** The documented answer: `contextWrites.to` holds the resource, or the error's documented string. */
export type Envelope =
  | { callback: 'success'; contextWrites: { to: unknown } }
  | {
      callback: 'error';
      contextWrites: { to: string };
      error: {
        status: number;
        code: number | null;
        moreInfo: string | null;
        retryable: boolean;
        source: ErrorSource;
        /** How to fix it, when the gateway knows (additive: absent otherwise). */
        hint?: string;
      };
    };

/** The error envelope's body: the documented string in `contextWrites.to`, and an additive `error` sibling. */
export function errorBody(err: GatewayError): ErrorAnswer {
  return {
    callback: 'error',
    contextWrites: { to: err.text },
    error: {
      status: err.detail.twilioStatus ?? err.status,
      code: err.detail.code ?? null,
      moreInfo: err.detail.moreInfo ?? null,
      retryable: err.detail.retryable ?? false,
      source: err.detail.source,
      ...(err.detail.hint === undefined ? {} : { hint: err.detail.hint }),
    },
  };
}
