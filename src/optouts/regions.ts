/**
 * Durable Object location hints (Cloudflare's regions), one replica of each sender's opt-outs in each, so that a
 * send reads them within its own region. The first is where a request with no location reads.
 */
export const REGIONS = ['enam', 'wnam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const;
export type Region = (typeof REGIONS)[number];

/** What a request says of where it runs: `request.cf`'s continent and longitude (absent locally and in tests). */
export interface Place {
  readonly continent?: string | undefined;
  readonly longitude?: string | undefined;
}

/**
 * The region a request runs in, from request.cf's continent and longitude: where its caller is, which is where
 * the Worker runs unless Smart Placement moves it (then the replica read is the caller's). Longitude splits North
 * America (west of 100°W), Europe (east of 20°E) and Asia (west of 60°E: the Middle East). Unknown (a local run,
 * Antarctica, Tor): eastern North America, where Twilio's us1 is.
 */
export function regionOf(place: Place | undefined): Region {
  const longitude = Number(place?.longitude ?? Number.NaN);
  switch (place?.continent) {
    case 'NA':
      return longitude < -100 ? 'wnam' : 'enam';
    case 'SA':
      return 'sam';
    case 'EU':
      return longitude > 20 ? 'eeur' : 'weur';
    case 'AS':
      return longitude < 60 ? 'me' : 'apac';
    case 'OC':
      return 'oc';
    case 'AF':
      return 'afr';
    default:
      return 'enam';
  }
}
