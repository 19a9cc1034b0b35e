import { defineBlock } from './define';
import {
  address,
  boolean,
  choice,
  credentials,
  datetime,
  type FieldRow,
  integer,
  list,
  number,
  sid,
  statusCallbackRule,
  text,
  url,
} from './fields';

/** Twilio refuses a Messages StatusCallback whose host has an underscore (21609). */
const NO_UNDERSCORE_HOST = /^https?:\/\/([^/?#@]*@)?[^/?#@_]+([/?#]|$)/i;

const mediaUrls = (urls: string) => `Media urls: ${urls} are invalid. Please use absolute urls.`;

/** Every parameter of Twilio's CreateMessage (25), under its camelCase name. One line each. */
// biome-ignore format: a block table keeps one line per field
export const messageFields = {
  ...credentials,
  from: address('The phone number or client identifier to use as the sender. It must be a Twilio number or a verified caller id.', { example: '+15005550006' }),
  messagingServiceSid: sid('MG', 'The 34 character id of the Messaging Service to send from; Twilio then picks the From number.'),
  to: address('The recipient: an E.164 phone number or a channel address such as whatsapp:+15005550006.'),
  body: text('The text of the message, up to 1600 characters.', {
    max: 1600,
    example: 'Hello from the gateway',
    tooBig: { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' },
  }),
  mediaUrl: list('Up to 10 absolute http(s) URLs of media (gif, png, jpeg) to send with the message.', {
    items: 'url',
    min: 1,
    max: 10,
    invalid: { code: 21620, message: mediaUrls },
    tooBig: { code: 21623, message: 'Too many media urls. The maximum is 10.' },
  }),
  contentSid: sid('HX', 'The SID of a Content template (WhatsApp templates and rich content).'),
  contentVariables: text('JSON key-value pairs of template variable names and values.', { example: '{"1":"12/1","2":"3pm"}' }),
  statusCallback: url('A URL Twilio POSTs to each time the message status changes (no _ in its host).', { ...statusCallbackRule, pattern: NO_UNDERSCORE_HOST }),
  applicationSid: sid('AP', 'Twilio POSTs MessageSid and MessageStatus to the status callback of this Application.'),
  maxPrice: number('Obsolete: the maximum price in US dollars acceptable for delivery.'),
  provideFeedback: boolean('Set true to confirm delivery later through the Message Feedback API.'),
  attempt: integer('Total number of attempts made to send the message, including this request.', { min: 1 }),
  validityPeriod: integer('Seconds the message may wait in the outgoing queue (1 to 36000).', { min: 1, max: 36000 }),
  forceDelivery: boolean('Reserved by Twilio.'),
  contentRetention: choice(['retain', 'discard'], 'Whether to retain the message content.'),
  addressRetention: choice(['retain', 'obfuscate'], 'Whether to retain or obfuscate the addresses.'),
  smartEncoded: boolean('Replace Unicode characters that have a similar GSM-7 character.'),
  persistentAction: list('Rich actions for non-SMS channels, such as a WhatsApp location.', { items: 'text' }),
  trafficType: choice(['free'], 'Traffic type of the message.'),
  shortenUrls: boolean('Shorten links in the body (Messaging Services with link shortening).'),
  scheduleType: choice(['fixed'], 'Set to fixed to schedule the message for sendAt.'),
  sendAt: datetime('When Twilio will send a scheduled message (ISO 8601).'),
  sendAsMms: boolean('Deliver as a single MMS regardless of the media count.'),
  riskCheck: choice(['enable', 'disable'], 'Whether to check the message for fraud risk.'),
  fallbackFrom: address('A fallback SMS sender when the recipient cannot be reached over RCS.'),
} as const satisfies Record<string, FieldRow>;

const to = { anyOf: ['to'], code: 21604, message: "A 'To' phone number is required." } as const;
const from = {
  anyOf: ['from', 'messagingServiceSid'],
  code: 21603,
  message: "A 'From' phone number is required.",
} as const;

/** Send text message. */
export const sendSms = defineBlock({
  name: 'sendSms',
  title: 'Send text message',
  description: 'Send an SMS (or a WhatsApp or other channel message) through Twilio.',
  resource: 'Messages',
  fields: messageFields,
  requires: [
    to,
    from,
    { anyOf: ['body', 'mediaUrl', 'contentSid'], code: 21602, message: 'Message body is required.' },
  ],
});

/** Send media message. */
export const sendMms = defineBlock({
  name: 'sendMms',
  title: 'Send media message',
  description: 'Send an MMS: media URLs, with an optional body, through Twilio.',
  resource: 'Messages',
  fields: messageFields,
  requires: [
    to,
    from,
    { anyOf: ['mediaUrl'], code: 21602, message: 'A media message requires at least one MediaUrl.' },
  ],
});
