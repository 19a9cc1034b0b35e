/** Secrets and optional settings the Worker reads (wrangler types only sees [vars]). Set secrets with `wrangler secret put`. */
interface Env {
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_API_KEY_SID?: string;
  TWILIO_API_KEY_SECRET?: string;
  TWILIO_API_BASE_URL?: string;
  TWILIO_REGION?: string;
  TWILIO_EDGE?: string;
  SANDBOX_CALLBACKS?: string;
}
