import { defineBlock } from './define';
import {
  address,
  boolean,
  choice,
  credentials,
  type FieldRow,
  integer,
  list,
  method,
  sid,
  statusCallbackRule,
  text,
  url,
} from './fields';

const callEvents = ['initiated', 'ringing', 'answered', 'completed'] as const;
const recordingEvents = ['in-progress', 'completed', 'absent'] as const;

/** Every parameter of Twilio's CreateCall (36), under its camelCase name. One line each. */
// biome-ignore format: a block table keeps one line per field
export const callFields = {
  ...credentials,
  from: address('The phone number or client identifier to use as the caller id: a Twilio number or a verified caller id.', { example: '+15005550006' }),
  to: address('The phone number, SIP address or client identifier to call.'),
  url: url('The absolute URL of the TwiML Twilio runs when the call connects.', {
    invalid: { code: 21205, message: (v) => `Url is not a valid URL: ${v}` },
    example: 'http://demo.twilio.com/docs/voice.xml',
  }),
  twiml: text('TwiML instructions to run instead of fetching them from url (up to 4000 characters).', { max: 4000, example: '<Response><Say>Hello from the gateway</Say></Response>' }),
  applicationSid: sid('AP', 'The SID of the Application that handles the call; Twilio then ignores the URL parameters.'),
  method: method('The HTTP method Twilio uses to request url: GET or POST (default POST).'),
  fallbackUrl: url('A URL Twilio requests if an error occurs requesting or executing the TwiML at url.'),
  fallbackMethod: method('The HTTP method for fallbackUrl: GET or POST (default POST).'),
  statusCallback: url('A URL Twilio sends call progress webhooks to, for each event in statusCallbackEvent.', statusCallbackRule),
  statusCallbackEvent: list('The call progress events to send webhooks on: initiated, ringing, answered, completed.', {
    options: callEvents,
    invalid: { code: 21626, message: () => 'Invalid StatusCallbackEvent' },
  }),
  statusCallbackMethod: method('The HTTP method for statusCallback: GET or POST (default POST).'),
  sendDigits: text('Keys to dial after the call connects: at most 32 of 0-9, A-D, #, *, w, W.', {
    pattern: /^[0-9A-D#*wW]{1,32}$/,
    invalid: { code: 21206, message: (v) => `SendDigits is not valid: ${v}` },
    example: 'ww1234#',
  }),
  timeout: integer('Seconds to let the phone ring before assuming no answer (1 to 600, default 60).', {
    min: 1,
    max: 600,
    invalid: { code: 21208, message: (v) => `Timeout is not valid: ${v}` },
    example: 60,
  }),
  record: boolean('Set true to record the whole call.'),
  recordingChannels: choice(['mono', 'dual'], 'Number of channels in the final recording: mono or dual.'),
  recordingStatusCallback: url('An absolute URL Twilio calls when the recording is available.'),
  recordingStatusCallbackMethod: method('The HTTP method for recordingStatusCallback: GET or POST.'),
  recordingStatusCallbackEvent: list('Recording events that trigger recordingStatusCallback: in-progress, completed, absent.', { options: recordingEvents }),
  recordingTrack: choice(['inbound', 'outbound', 'both'], 'The audio track to record: inbound, outbound or both.'),
  trim: choice(['trim-silence', 'do-not-trim'], 'Whether to trim leading and trailing silence from the recording.'),
  sipAuthUsername: text('The username to authenticate the caller of a SIP call.'),
  sipAuthPassword: text('The password for sipAuthUsername.'),
  machineDetection: choice(['Enable', 'DetectMessageEnd'], 'Detect a human, machine or fax: Enable or DetectMessageEnd.'),
  machineDetectionTimeout: integer('Seconds to try to detect an answering machine (3 to 59).', { min: 3, max: 59 }),
  machineDetectionSpeechThreshold: integer('Milliseconds of speech that count as a machine (1000 to 6000).', { min: 1000, max: 6000 }),
  machineDetectionSpeechEndThreshold: integer('Milliseconds of silence that end speech (500 to 5000).', { min: 500, max: 5000 }),
  machineDetectionSilenceTimeout: integer('Milliseconds of initial silence before answeredBy is unknown (2000 to 10000).', { min: 2000, max: 10000 }),
  asyncAmd: choice(['true', 'false'], 'Run answering machine detection in the background: true or false.'),
  asyncAmdStatusCallback: url('A URL Twilio calls with the asynchronous machine detection result.'),
  asyncAmdStatusCallbackMethod: method('The HTTP method for asyncAmdStatusCallback: GET or POST.'),
  callerId: address('The phone number, SIP address or client identifier that made this call.'),
  callReason: text('The reason for the call, shown to the recipient (Branded Calls).'),
  callToken: text('The token of an incoming call, needed to forward it.'),
  byoc: sid('BY', 'The SID of a BYOC trunk to route this call with.'),
  timeLimit: integer('The maximum duration of the call in seconds (default 4 hours).', { min: 1, example: 14400 }),
  clientNotificationUrl: url('The URL used to deliver a push call notification.'),
} as const satisfies Record<string, FieldRow>;

/** Make phone calls. */
export const makeCall = defineBlock({
  name: 'makeCall',
  title: 'Make phone calls',
  description: 'Place an outbound voice call through Twilio, run by a TwiML URL, inline TwiML or an Application.',
  resource: 'Calls',
  fields: callFields,
  requires: [
    { anyOf: ['to'], code: 21201, message: "No 'To' number is specified" },
    { anyOf: ['from'], code: 21213, message: "No 'From' number is specified" },
    {
      anyOf: ['url', 'twiml', 'applicationSid'],
      code: 21205,
      message: 'Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml',
    },
  ],
});
