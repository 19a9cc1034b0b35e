// The bare proxy Worker the benchmark compares against: JSON in, one form POST to Twilio, JSON out.
// No validation, no config parsing, no logging, no decoding: the least a gateway can do.
export default {
  async fetch(request, env) {
    const input = await request.json();
    const args = input.args ?? input;
    const form = new URLSearchParams({ To: args.to, From: args.from, Body: args.body });
    const upstream = await fetch(
      `${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID}/Messages.json`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form,
      },
    );
    const resource = await upstream.json();
    const ok = upstream.status >= 200 && upstream.status < 300;
    return Response.json(
      { callback: ok ? 'success' : 'error', contextWrites: { to: resource } },
      { status: ok ? 200 : 502 },
    );
  },
};
