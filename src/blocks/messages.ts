import {
  address,
  type Block,
  boolean,
  choice,
  credentials,
  datetime,
  type Field,
  integer,
  list,
  number,
  sid,
  text,
  url,
} from './fields';

const mediaUrls = (urls: string) => `Media urls: ${urls} are invalid. Please use absolute urls.`;

/** Every parameter of Twilio's CreateMessage (25), under its camelCase name. One line each. */
// biome-ignore format: a block table keeps one line per field
const fields = {
  ...credentials,
  from: address('From', 'The phone number or client identifier to use as the sender. It must be a Twilio number or a verified caller id.'),
  messagingServiceSid: sid('MessagingServiceSid', 'MG', 'The 34 character id of the Messaging Service to send from; Twilio then picks the From number.'),
  to: address('To', 'The recipient: an E.164 phone number or a channel address such as whatsapp:+15005550006.'),
  body: text('Body', 'The text of the message, up to 1600 characters.', {
    max: 1600,
    tooBig: { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' },
  }),
  mediaUrl: list('MediaUrl', 'Up to 10 absolute http(s) URLs of media (gif, png, jpeg) to send with the message.', {
    items: 'url',
    min: 1,
    max: 10,
    invalid: { code: 21620, message: mediaUrls },
    tooBig: { code: 21623, message: 'Too many media urls. The maximum is 10.' },
  }),
  contentSid: sid('ContentSid', 'HX', 'The SID of a Content template (WhatsApp templates and rich content).'),
  contentVariables: text('ContentVariables', 'JSON key-value pairs of template variable names and values.'),
  statusCallback: url('StatusCallback', 'A URL Twilio POSTs to each time the message status changes.'),
  applicationSid: sid('ApplicationSid', 'AP', 'Twilio POSTs MessageSid and MessageStatus to the status callback of this Application.'),
  maxPrice: number('MaxPrice', 'Obsolete: the maximum price in US dollars acceptable for delivery.'),
  provideFeedback: boolean('ProvideFeedback', 'Set true to confirm delivery later through the Message Feedback API.'),
  attempt: integer('Attempt', 'Total number of attempts made to send the message, including this request.', { min: 1 }),
  validityPeriod: integer('ValidityPeriod', 'Seconds the message may wait in the outgoing queue (1 to 36000).', { min: 1, max: 36000 }),
  forceDelivery: boolean('ForceDelivery', 'Reserved by Twilio.'),
  contentRetention: choice('ContentRetention', ['retain', 'discard'], 'Whether to retain the message content.'),
  addressRetention: choice('AddressRetention', ['retain', 'obfuscate'], 'Whether to retain or obfuscate the addresses.'),
  smartEncoded: boolean('SmartEncoded', 'Replace Unicode characters that have a similar GSM-7 character.'),
  persistentAction: list('PersistentAction', 'Rich actions for non-SMS channels, such as a WhatsApp location.', { items: 'text' }),
  trafficType: choice('TrafficType', ['free'], 'Traffic type of the message.'),
  shortenUrls: boolean('ShortenUrls', 'Shorten links in the body (Messaging Services with link shortening).'),
  scheduleType: choice('ScheduleType', ['fixed'], 'Set to fixed to schedule the message for sendAt.'),
  sendAt: datetime('SendAt', 'When Twilio will send a scheduled message (ISO 8601).'),
  sendAsMms: boolean('SendAsMms', 'Deliver as a single MMS regardless of the media count.'),
  riskCheck: choice('RiskCheck', ['enable', 'disable'], 'Whether to check the message for fraud risk.'),
  fallbackFrom: address('FallbackFrom', 'A fallback SMS sender when the recipient cannot be reached over RCS.'),
} as const satisfies Record<string, Field>;

const to = { anyOf: ['to'], code: 21604, message: "A 'To' phone number is required." } as const;
const from = {
  anyOf: ['from', 'messagingServiceSid'],
  code: 21603,
  message: "A 'From' phone number is required.",
} as const;

/** Send text message. */
export const sendSms: Block = {
  name: 'sendSms',
  title: 'Send text message',
  description: 'Send an SMS (or a WhatsApp or other channel message) through Twilio.',
  resource: 'Messages',
  fields,
  requires: [
    to,
    from,
    { anyOf: ['body', 'mediaUrl', 'contentSid'], code: 21602, message: 'Message body is required.' },
  ],
};

/** Send media message. */
export const sendMms: Block = {
  name: 'sendMms',
  title: 'Send media message',
  description: 'Send an MMS: media URLs, with an optional body, through Twilio.',
  resource: 'Messages',
  fields,
  requires: [
    to,
    from,
    { anyOf: ['mediaUrl'], code: 21602, message: 'A media message requires at least one MediaUrl.' },
  ],
};
