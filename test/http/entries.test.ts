import { afterEach, expect, it, vi } from 'vitest';
import { workerSandbox } from '../../src/sandbox/worker';
import { useSandbox } from '../../src/send/send';
import { errorText, post } from '../helpers';

const input = { from: '+15005550006', to: '+15005550006', body: 'hello' };

afterEach(() => {
  // test/setup.ts's state: the build with the emulator.
  useSandbox(workerSandbox);
  vi.restoreAllMocks();
});

it('sandbox mode answers from the emulator in the build that has it (src/with-sandbox.ts)', async () => {
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  const { status, json } = await post('sendSms', input, { TWILIO_MODE: 'sandbox' });
  expect(status).toBe(200);
  expect(json.contextWrites.to.sid).toMatch(/^SM[0-9a-f]{32}$/);
  expect(fetchSpy).not.toHaveBeenCalled();
});

it('the production build (src/index.ts, no emulator) refuses sandbox mode and calls nobody', async () => {
  useSandbox(undefined);
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  const { status, json } = await post('sendSms', input, { TWILIO_MODE: 'sandbox' });
  expect(status).toBe(500);
  expect(errorText(json)).toBe(
    'Gateway configuration error: TWILIO_MODE=sandbox needs the build with the Twilio emulator (src/with-sandbox.ts)',
  );
  expect(json.error).toMatchObject({ status: 500, code: null, source: 'gateway' });
  expect(fetchSpy).not.toHaveBeenCalled();
});
