/** What a keyword asks for: opt out, opt back in, or the help text. */
export type Keyword = 'opt-out' | 'opt-in' | 'help';

/** Twilio's default keywords (FACTS.md "Opt-out keywords"), English, on long codes and toll-free numbers. */
const KEYWORDS: Readonly<Record<string, Keyword>> = {
  STOP: 'opt-out',
  STOPALL: 'opt-out',
  UNSUBSCRIBE: 'opt-out',
  CANCEL: 'opt-out',
  END: 'opt-out',
  QUIT: 'opt-out',
  START: 'opt-in',
  YES: 'opt-in',
  UNSTOP: 'opt-in',
  HELP: 'help',
  INFO: 'help',
};

/**
 * The keyword a message is, as Twilio matches it: the whole body, trimmed, in any case ("STOP PLEASE" is none).
 * Only ASCII letters are upper-cased, so that no other character can turn into a keyword's.
 */
export function keywordOf(body: string | null | undefined): Keyword | undefined {
  const word = (body ?? '').trim().replace(/[a-z]/g, (c) => c.toUpperCase());
  return Object.hasOwn(KEYWORDS, word) ? KEYWORDS[word] : undefined;
}
