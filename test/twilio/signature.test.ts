import { describe, expect, it } from 'vitest';
import {
  bodySha256,
  isValidTwilioSignature,
  signedString,
  twilioSignature,
  urlVariants,
} from '../../src/twilio/signature';

// The test vectors of ../shared/twilio/FACTS.md (Twilio's own, from its helper libraries' tests).
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};

describe('X-Twilio-Signature', () => {
  it('signs the URL and sorted params: RSOYDt4T1cUTdK1PDd93/VVr8B8=', async () => {
    expect(await twilioSignature(TOKEN, URL_, PARAMS)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(await twilioSignature(TOKEN, URL_, new URLSearchParams(PARAMS))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('param order does not matter, names are sorted', async () => {
    const reversed = Object.fromEntries(Object.entries(PARAMS).reverse());
    expect(await twilioSignature(TOKEN, URL_, reversed)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(signedString(URL_, reversed)).toBe(
      `${URL_}CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212`,
    );
  });

  it('the URL written with :443 signs to kvajT1Ptam85bY51eRf/AJRuM3w=', async () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(await twilioSignature(TOKEN, withPort, PARAMS)).toBe('kvajT1Ptam85bY51eRf/AJRuM3w=');
  });

  it('a receiver accepts either signature for either way of writing the URL', async () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    for (const seen of [URL_, withPort]) {
      expect(await isValidTwilioSignature(TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', seen, PARAMS)).toBe(true);
      expect(await isValidTwilioSignature(TOKEN, 'kvajT1Ptam85bY51eRf/AJRuM3w=', seen, PARAMS)).toBe(true);
    }
    expect(urlVariants('http://h.example:8080/x')).toEqual(
      expect.arrayContaining(['http://h.example:8080/x', 'http://h.example/x', 'http://h.example:80/x']),
    );
  });

  it('rejects a wrong token, a changed param, a changed URL and a truncated signature', async () => {
    const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(await isValidTwilioSignature('54321', good, URL_, PARAMS)).toBe(false);
    expect(await isValidTwilioSignature(TOKEN, good, URL_, { ...PARAMS, Digits: '1235' })).toBe(false);
    expect(await isValidTwilioSignature(TOKEN, good, `${URL_}&baz=3`, PARAMS)).toBe(false);
    expect(await isValidTwilioSignature(TOKEN, good.slice(0, -1), URL_, PARAMS)).toBe(false);
    expect(await isValidTwilioSignature(TOKEN, '', URL_, PARAMS)).toBe(false);
  });

  it('JSON bodies: bodySHA256 in the URL, the URL alone signed', async () => {
    const body = '{"property": "value", "boolean": true}';
    const hash = await bodySha256(body);
    expect(hash).toBe('0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
    expect(await bodySha256(new TextEncoder().encode(body))).toBe(hash);
    const signedUrl = `${URL_}&bodySHA256=${hash}`;
    expect(await twilioSignature(TOKEN, signedUrl)).toBe('a9nBmqA0ju/hNViExpshrM61xv4=');
    expect(await twilioSignature(TOKEN, signedUrl, {})).toBe('a9nBmqA0ju/hNViExpshrM61xv4=');
    expect(await isValidTwilioSignature(TOKEN, 'a9nBmqA0ju/hNViExpshrM61xv4=', signedUrl)).toBe(true);
  });

  it('array params: each distinct value, sorted: IK+Dwps556ElfBT0I3Rgjkr1wJU=', async () => {
    const params = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] };
    expect(await twilioSignature(TOKEN, URL_, params)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
    const form = new URLSearchParams([
      ['Sid', 'CA123'],
      ['Digits', '5678'],
      ['SidAccount', 'AC123'],
      ['Digits', '1234'],
      ['Digits', '1234'],
    ]);
    expect(await twilioSignature(TOKEN, URL_, form)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
    expect(signedString(URL_, params)).toBe(`${URL_}Digits1234Digits5678SidCA123SidAccountAC123`);
  });
});
