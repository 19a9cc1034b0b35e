import { isPublicTarget } from '../limits/public-target';
import { standardSignature } from '../recipes/verify';
import { USER_AGENT } from '../twilio/client';
import { basicAuthorization } from '../twilio/encoding';

/** How long one forward may take, answer included. */
export const FORWARD_TIMEOUT_MS = 5000;

/** One update to forward: its Standard Webhooks id and its JSON body. */
export interface Outgoing {
  readonly id: string;
  readonly body: string;
}

/** The `webhook-signature` value: one `v1,` signature per secret (several while a secret is rotated). */
export async function signatureHeader(secrets: readonly string[], id: string, timestamp: string, body: string) {
  const signatures = await Promise.all(secrets.map((secret) => standardSignature(secret, id, timestamp, body)));
  return signatures.map((signature) => `v1,${signature}`).join(' ');
}

/**
 * POSTs one update to the caller's URL, signed with Standard Webhooks headers (a fresh `webhook-timestamp` on
 * each attempt, the same `webhook-id`). True on a 2xx. No redirect is followed (a 3xx is a failure), the attempt
 * is bounded by FORWARD_TIMEOUT_MS, and a URL that is not public is never fetched. Credentials in the URL are
 * sent as Basic auth, as Twilio sends them.
 */
export async function forward(url: string, update: Outgoing, secrets: readonly string[]): Promise<boolean> {
  if (!isPublicTarget(url) || secrets.length === 0) return false;
  const target = new URL(url);
  target.hash = '';
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'webhook-id': update.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': await signatureHeader(secrets, update.id, timestamp, update.body),
  };
  if (target.username) {
    headers.Authorization = basicAuthorization(
      decodeURIComponent(target.username),
      decodeURIComponent(target.password),
    );
    target.username = '';
    target.password = '';
  }
  try {
    const response = await fetch(target.href, {
      method: 'POST',
      headers,
      body: update.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}
