import { describe, expect, it } from 'vitest';
import { emulator, emulatorBindings } from '../../src/sandbox';
import { basicAuthorization } from '../../src/twilio/encoding';
import { ENV_ACCOUNT, ENV_TOKEN } from '../helpers';
import { GATEWAY, NUMBER } from '../inbound/helpers';
import { person } from '../optouts/helpers';

const CHUNK = 16 * 1024;

/** A Worker whose answer is `chunks` chunks of CHUNK bytes of `x`, counting how many the emulator pulled. */
function streamingWorker(chunks: number) {
  const seen = { pulled: 0 };
  const deliver = async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (seen.pulled === chunks) return controller.close();
          seen.pulled += 1;
          controller.enqueue(new TextEncoder().encode('x'.repeat(CHUNK)));
        },
      }),
      { headers: { 'Content-Type': 'text/xml' } },
    );
  return { seen, deliver };
}

/** The person sends a message to the Worker's webhook through the emulator, which hands it to `deliver`. */
async function actAsThePerson(deliver: () => Promise<Response>) {
  const bindings = emulatorBindings(
    { TWILIO_ACCOUNT_SID: ENV_ACCOUNT, TWILIO_AUTH_TOKEN: ENV_TOKEN },
    { callbacks: false, waitUntil: () => {}, deliver },
  );
  const res = await emulator.fetch(
    new Request(`https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Sandbox/Inbound.json`, {
      method: 'POST',
      headers: {
        Authorization: basicAuthorization(ENV_ACCOUNT, ENV_TOKEN),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ Url: `${GATEWAY}/twilio/messages`, From: person(), To: NUMBER, Body: 'hi' }),
    }),
    bindings,
  );
  return (await res.json()) as { status: number; answer: string };
}

describe("the emulator reads a bounded part of the Worker's answer", () => {
  it('an answer of 64 KB or less is read whole', async () => {
    const { seen, deliver } = streamingWorker(4);
    const answer = await actAsThePerson(deliver);
    expect({ status: answer.status, length: answer.answer.length, pulled: seen.pulled }).toEqual({
      status: 200,
      length: 4 * CHUNK,
      pulled: 4,
    });
  });

  it('of a 16 MB answer, the first 64 KB are kept and the rest is never read from the stream', async () => {
    const { seen, deliver } = streamingWorker(1024);
    const answer = await actAsThePerson(deliver);
    expect({ status: answer.status, answer: answer.answer }).toEqual({ status: 200, answer: 'x'.repeat(65_536) });
    // Four chunks fill 64 KB; the fifth shows there is more, and the stream is cancelled there.
    expect(seen.pulled).toBeLessThanOrEqual(6);
  });
});
