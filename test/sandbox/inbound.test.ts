import { describe, expect, it } from 'vitest';
import { actAsThePerson, NUMBER } from '../inbound/helpers';
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
const sendThrough = async (deliver: () => Promise<Response>) =>
  (await actAsThePerson('/twilio/messages', { From: person(), To: NUMBER, Body: 'hi' }, deliver)).json;

describe("the emulator reads a bounded part of the Worker's answer", () => {
  it('an answer of 64 KB or less is read whole', async () => {
    const { seen, deliver } = streamingWorker(4);
    const answer = await sendThrough(deliver);
    expect({ status: answer.status, length: answer.answer.length, pulled: seen.pulled }).toEqual({
      status: 200,
      length: 4 * CHUNK,
      pulled: 4,
    });
  });

  it('of a 16 MB answer, the first 64 KB are kept and the rest is never read from the stream', async () => {
    const { seen, deliver } = streamingWorker(1024);
    const answer = await sendThrough(deliver);
    expect({ status: answer.status, answer: answer.answer }).toEqual({ status: 200, answer: 'x'.repeat(65_536) });
    // Four chunks fill 64 KB; the fifth shows there is more, and the stream is cancelled there.
    expect(seen.pulled).toBeLessThanOrEqual(6);
  });
});
