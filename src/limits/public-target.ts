// Where the Worker may send what a caller names (status forwards, the sandbox's callbacks): shared by rooms on
// different floors, so it lives at the bottom with errors.ts.

/** An IPv4 address (four numbers) in a private, loopback, link-local, shared, benchmark, multicast or reserved range. */
function privateV4([a = 0, b = 0, c = 0]: readonly number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** An IPv6 address as the URL parser writes it (compressed, lower case): private unless it is global unicast. */
function privateV6(host: string): boolean {
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) hold an IPv4 address in their last 32 bits.
  const mapped = /^(?:::ffff:|64:ff9b::)([\da-f]{1,4}):([\da-f]{1,4})$/.exec(host);
  if (mapped) {
    const [high, low] = [Number.parseInt(mapped[1] ?? '', 16), Number.parseInt(mapped[2] ?? '', 16)];
    return privateV4([high >> 8, high & 255, low >> 8]);
  }
  // Public is global unicast only, 2000::/3 (a first group of four hex digits from 2000 to 3fff), which excludes
  // ::, ::1, fc00::/7 (AWS's metadata fd00:ec2::254), fe80::/10, fec0::/10, ff00::/8, 100::/64 and 64:ff9b:1::/48;
  // within it, not 2001:db8::/32 (documentation) nor the tunnels to an IPv4 address (Teredo 2001::/32, 6to4 2002::/16).
  return !/^[23][\da-f]{3}:/.test(host) || /^(2001:(0?:|db8:)|2002:)/.test(host);
}

/**
 * True when `url` may receive a forward: http(s), and a host that is not a private address, by literal IP
 * (v4 or v6, in any form the URL parser normalises) or by an obvious name (localhost, *.local, *.internal such as
 * metadata.google.internal, a single-label intranet name). A name resolving to a private address cannot be seen
 * from a Worker; Cloudflare's own fetch does not reach private networks.
 */
export function isPublicTarget(url: string): boolean {
  let host: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
    // Trailing dots name the same host (`localhost..`, `0x7f.1..`): parsed again without them, as the URL parser
    // reads a host, so that a number is an IPv4 address.
    host = new URL(`http://${parsed.hostname.replace(/\.+$/, '')}`).hostname;
  } catch {
    return false;
  }
  if (host.startsWith('[')) return !privateV6(host.slice(1, -1));
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return !privateV4(v4.slice(1).map(Number));
  return host.includes('.') && !/(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/.test(host);
}
