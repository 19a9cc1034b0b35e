import type { Context } from 'hono';

/** What the handler or the error mapping learned from Twilio, for the log line. */
export interface TwilioTrace {
  status?: number | undefined;
  code?: number | null | undefined;
  requestId?: string | null | undefined;
  attempts?: number | undefined;
}

/**
 * Writes the one structured JSON log line of a request: route, status, Twilio's status, code and request
 * id, attempts and duration. Never a credential, token, phone number or message body.
 */
export function logRequest(c: Context, started: number, trace: TwilioTrace | undefined): void {
  console.log(
    JSON.stringify({
      route: `${c.req.method} ${c.req.path.slice(0, 128)}`,
      status: c.res.status,
      twilioStatus: trace?.status ?? null,
      twilioCode: trace?.code ?? null,
      twilioRequestId: trace?.requestId ?? null,
      attempts: trace?.attempts ?? 0,
      durationMs: Date.now() - started,
    }),
  );
}
