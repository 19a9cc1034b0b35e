/**
 * How many SMS segments a body takes, as carriers count them: GSM-7 when every character is in the GSM
 * 03.38 alphabet (160 septets alone, 153 per part when concatenated; extension characters take two and an
 * escape pair is never split), UCS-2 otherwise (70 code units alone, 67 per part; a surrogate pair is never
 * split).
 */

// biome-ignore format: the GSM 03.38 basic alphabet, in table order
const BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the extension table, sent as ESC + char: two septets each. */
const EXTENDED = '\f^{}\\[~]|€';

const basic = new Set(BASIC);
const extended = new Set(EXTENDED);

/** The encoding Twilio picks for a body: GSM-7 if it can, else UCS-2. */
export function encodingOf(body: string): 'GSM-7' | 'UCS-2' {
  for (const char of body) if (!basic.has(char) && !extended.has(char)) return 'UCS-2';
  return 'GSM-7';
}

/** Packs units (septets or UTF-16 code units) of indivisible characters into parts of `size`. */
function pack(costs: readonly number[], size: number): number {
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > size) {
      parts++;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

/** The number of segments of `body` (1 for an empty body). */
export function segmentCount(body: string): number {
  const gsm = encodingOf(body) === 'GSM-7';
  const costs = Array.from(body, (char) => (gsm ? (extended.has(char) ? 2 : 1) : char.length));
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return total <= single ? 1 : pack(costs, part);
}
