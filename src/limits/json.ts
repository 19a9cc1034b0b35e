// JSON from outside (Twilio's answers, webhooks, status callbacks) is bounded in depth before it is parsed: a
// value nested 100,000 deep can overflow JSON.parse or JSON.stringify, and a caller's parser after them.

/** The deepest nesting of arrays and objects read from outside: Twilio's answers take 4 levels, webhooks a few more. */
export const MAX_JSON_DEPTH = 32;

/** True when `text`, read as JSON, nests arrays and objects deeper than `limit`: one pass, no recursion. */
export function nestsDeeper(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
