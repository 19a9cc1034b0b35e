/** Lower-case hex of raw bytes, two digits a byte (SIDs, SHA-256 digests, HMACs). */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Base64 of raw bytes (btoa takes a binary string, one char per byte). */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * An HTTP Basic `Authorization` value over UTF-8 (btoa alone throws on non-Latin-1 text); printable
 * ASCII, the usual case, takes the short way.
 */
export function basicAuthorization(username: string, password: string): string {
  const pair = `${username}:${password}`;
  return `Basic ${/^[\x20-\x7e]*$/.test(pair) ? btoa(pair) : base64(new TextEncoder().encode(pair))}`;
}

/** The media type of Twilio's form bodies (requests to Twilio, its webhooks and status callbacks). */
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** True when a Content-Type names a URL-encoded form. */
export const isFormType = (contentType: string | null | undefined) =>
  /^application\/x-www-form-urlencoded/i.test(contentType?.trim() ?? '');

/** The pair of an HTTP Basic `Authorization` value (UTF-8), or undefined when it is not one or has no password. */
export function parseBasic(header: string | null | undefined): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]), (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0 || colon === decoded.length - 1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
