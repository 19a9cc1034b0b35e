// Every test file runs against the build with the Twilio emulator (src/with-sandbox.ts), as `npm start` does:
// tests that drive `app` directly need sandbox mode to have its emulator too.
import '../src/with-sandbox';
