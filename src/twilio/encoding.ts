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
