// TEMPORARY stand-in for the project's sandbox (issue #3), used by the benchmark only while
// `npm run sandbox` does not exist. Same command line (`--port N`) and the same first line (its URL).
// It answers POST /2010-04-01/Accounts/{AC sid}/Messages.json with a Twilio-shaped 201 for test
// credentials, and the Twilio error bodies for a missing auth header or a bad account path. Nothing more.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/;

const send = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'twilio-request-id': `RQ${randomBytes(16).toString('hex')}`,
  });
  res.end(text);
};
const error = (res, status, code, message) =>
  send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const match = req.method === 'POST' ? PATH.exec(req.url ?? '') : null;
    if (!match) return error(res, 404, 20404, `The requested resource ${req.url} was not found`);
    if (!/^Basic [A-Za-z0-9+/=]+$/.test(req.headers.authorization ?? '')) return error(res, 401, 20003, 'Authenticate');
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    if (!form.get('To')) return error(res, 400, 21604, "A 'To' phone number is required.");
    if (form.get('From') !== '+15005550006') return error(res, 400, 21606, 'The From phone number is not valid.');
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const uri = `/2010-04-01/Accounts/${match[1]}/Messages/${sid}.json`;
    send(res, 201, {
      sid,
      body: form.get('Body'),
      date_created: now,
      date_updated: now,
      date_sent: null,
      account_sid: match[1],
      to: form.get('To'),
      from: form.get('From'),
      messaging_service_sid: null,
      status: 'queued',
      num_segments: '1',
      num_media: '0',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      price: null,
      price_unit: 'USD',
      error_code: null,
      error_message: null,
      uri,
      subresource_uris: { media: uri.replace('.json', '/Media.json') },
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () =>
  console.log(`stand-in sandbox listening on http://127.0.0.1:${server.address().port}`),
);
