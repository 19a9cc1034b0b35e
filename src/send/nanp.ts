/**
 * The North American Numbering Plan's countries, by area code, for ALLOWED_DESTINATIONS' `+1-US` and `+1-CA`
 * (`+1` alone is all of NANP: 25 countries and territories). Sources: libphonenumber's metadata (each NANP
 * region's leading digits, and Canada's number pattern), checked against the CRTC's Canadian list (387 is newer
 * than the libphonenumber copy read). A code assigned later is missing until added here: for `+1-US` a new
 * Caribbean code would pass, so the list of other countries is the one to keep current.
 */

/** Canada's geographic area codes. */
const CANADA = new Set(
  '204 226 236 249 250 257 263 289 306 343 354 365 367 368 382 387 403 416 418 428 431 437 438 450 468 474 506 514 519 548 579 581 584 587 604 613 639 647 672 683 705 709 742 753 778 780 782 807 819 825 867 873 879 902 905 942'.split(
    ' ',
  ),
);

/**
 * The area codes of NANP's other countries and of the US territories, which bill as international or near it:
 * Bahamas 242, Barbados 246, Anguilla 264, Antigua and Barbuda 268, British Virgin Islands 284, US Virgin Islands
 * 340, Cayman Islands 345, Bermuda 441, Grenada 473, Turks and Caicos 649, Jamaica 658 876, Montserrat 664,
 * Northern Mariana Islands 670, Guam 671, American Samoa 684, Sint Maarten 721, Saint Lucia 758, Dominica 767,
 * Saint Vincent and the Grenadines 784, Puerto Rico 787 939, Dominican Republic 809 829 849, Trinidad and Tobago
 * 868, Saint Kitts and Nevis 869.
 */
const ELSEWHERE = new Set(
  '242 246 264 268 284 340 345 441 473 649 658 664 670 671 684 721 758 767 784 787 809 829 849 868 869 876 939'.split(
    ' ',
  ),
);

/** Premium-rate numbers, billed to whoever calls them: never within a region. */
const PREMIUM = '900';

/** The regions ALLOWED_DESTINATIONS may name. */
export const NANP_REGIONS = ['+1-US', '+1-CA'] as const;

/**
 * True when `number` (E.164) is a NANP number of `region`: `+1-CA`, a Canadian area code; `+1-US`, one that is
 * neither Canada's, another country's or territory's (ELSEWHERE), nor premium rate.
 */
export function inNanpRegion(number: string, region: (typeof NANP_REGIONS)[number]): boolean {
  const area = /^\+1([2-9]\d\d)[2-9]\d{6}$/.exec(number)?.[1];
  if (area === undefined) return false;
  if (region === '+1-CA') return CANADA.has(area);
  return !CANADA.has(area) && !ELSEWHERE.has(area) && area !== PREMIUM;
}
