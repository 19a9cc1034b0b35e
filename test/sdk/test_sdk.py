"""The official twilio-python helper (Debian's python3-twilio) against `npm run sandbox` over HTTP.

What users' existing Python code does when its client is pointed at the emulator: twilio-python has no base URL
setting, so a TwilioHttpClient subclass rewrites the API host in request(). Run by `npm test` with
/usr/bin/python3; it starts scripts/sandbox.mjs on a free port of 127.0.0.1 and stops it after.
"""

import datetime
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time
import unittest
import urllib.parse

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ACCOUNT = "AC7a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d"
TOKEN = "python-sdk-test-auth-token"
KEY_SID = "SK4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b7a"
KEY_SECRET = "python-sdk-test-key-secret"
FROM = "+15005550006"
TO = "+14155550100"
VOICE = "http://demo.twilio.com/docs/voice.xml"
# The emulator's clock runs 10x: a message is delivered 0.4 s after it is sent, a call completes after 1.15 s.
SPEED = "10"


class SandboxHttpClient(TwilioHttpClient):
    """Sends every request of the helper to the emulator instead of api.twilio.com (any Twilio host)."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url
        self.requests = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        target = re.sub(r"^https://[a-z0-9.-]+\.twilio\.com", self.base_url, url)
        if not target.startswith(self.base_url):
            raise AssertionError("the helper asked for a host the test does not rewrite: " + url)
        self.requests.append((method, target, params, data))
        return super().request(method, target, params=params, data=data, headers=headers, auth=auth,
                               timeout=timeout, allow_redirects=allow_redirects)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Records each status callback (path, headers, form) and answers 204, as a caller's server would."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        Receiver.received.append((self.path, dict(self.headers), dict(urllib.parse.parse_qsl(body))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def start_sandbox():
    """Starts scripts/sandbox.mjs on a free port with the test's credentials; returns the process and base URL."""
    env = dict(os.environ, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_API_KEY_SID=KEY_SID,
               TWILIO_API_KEY_SECRET=KEY_SECRET, SANDBOX_SPEED=SPEED, SANDBOX_CALLBACKS="true")
    node = shutil.which("node") or "node"
    child = subprocess.Popen([node, os.path.join(ROOT, "scripts", "sandbox.mjs"), "--port", "0", "--host",
                              "127.0.0.1"], env=env, stdout=subprocess.PIPE, text=True)
    out = ""
    while "Clock speed" not in out:
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox exited before it listened: " + out)
        out += line
    # The rest of its output is drained so that the server never blocks on a full pipe.
    threading.Thread(target=child.stdout.read, daemon=True).start()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", out)
    if not match:
        raise RuntimeError("the sandbox did not say where it listens: " + out)
    return child, match.group(1), out


def until(read, done, reads=400):
    """Reads until `done` holds (no timed assertion: it polls, and fails after `reads` reads)."""
    for _ in range(reads):
        value = read()
        if done(value):
            return value
        time.sleep(0.025)
    raise AssertionError("the record never reached the awaited state")


class TwilioPythonAgainstTheSandbox(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sandbox, cls.base_url, cls.banner = start_sandbox()
        cls.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.receiver.shutdown()
        cls.sandbox.terminate()
        cls.sandbox.wait(10)
        cls.sandbox.stdout.close()

    def client(self, user=ACCOUNT, password=TOKEN, account_sid=None):
        # environment={}: TWILIO_EDGE or TWILIO_REGION in the shell would make the helper ask for another host.
        http_client = SandboxHttpClient(self.base_url)
        client = Client(user, password, account_sid=account_sid, http_client=http_client, environment={})
        self.addCleanup(http_client.session.close)
        return client, http_client

    def refusal(self, call):
        with self.assertRaises(TwilioRestException) as caught:
            call()
        return caught.exception

    def page_refusal(self, call):
        """twilio-python 7 raises a plain TwilioException for a refused page, the response in its args."""
        with self.assertRaises(TwilioException) as caught:
            call()
        response = caught.exception.args[1]
        return response.status_code, json.loads(response.text)

    def test_the_banner_names_the_account_and_key_but_never_a_secret(self):
        self.assertIn("Account {} (and API key {})".format(ACCOUNT, KEY_SID), self.banner)
        self.assertNotIn(TOKEN, self.banner)
        self.assertNotIn(KEY_SECRET, self.banner)

    def test_it_creates_a_message_an_mms_and_a_call_as_the_helper_sends_them(self):
        client, _ = self.client()
        message = client.messages.create(to=TO, from_=FROM, body="Hello from Python")
        self.assertRegex(message.sid, r"^SM[0-9a-f]{32}$")
        self.assertEqual(message.status, "queued")
        self.assertEqual(message.account_sid, ACCOUNT)
        self.assertEqual(message.num_segments, "1")
        self.assertIsInstance(message.date_created, datetime.datetime)
        mms = client.messages.create(to=TO, from_=FROM, media_url=["https://example.com/a.png",
                                                                   "https://example.com/b.png"])
        self.assertRegex(mms.sid, r"^MM")
        self.assertEqual(mms.num_media, "2")
        call = client.calls.create(to=TO, from_=FROM, url=VOICE,
                                   status_callback_event=["initiated", "answered"],
                                   status_callback="https://example.com/status")
        self.assertRegex(call.sid, r"^CA[0-9a-f]{32}$")
        self.assertEqual(call.status, "queued")
        self.assertEqual(call.from_formatted, "(500) 555-0006")

    def test_python_booleans_go_on_the_form_as_True_and_False_and_are_taken(self):
        client, http_client = self.client()
        call = client.calls.create(to=TO, from_=FROM, url=VOICE, record=True)
        self.assertEqual(http_client.requests[-1][3]["Record"], True)
        self.assertEqual(call.status, "queued")
        message = client.messages.create(to=TO, from_=FROM, body="b", smart_encoded=False, provide_feedback=True,
                                         send_as_mms=False)
        self.assertEqual(message.status, "queued")
        refused = self.refusal(lambda: client.calls.create(to=TO, from_=FROM, url=VOICE, record="yes"))
        self.assertEqual((refused.status, refused.code), (400, 20001))
        self.assertIn("'Record'", refused.msg)

    def test_it_authenticates_with_the_api_key_and_refuses_a_wrong_token_with_401_20003(self):
        client, _ = self.client(KEY_SID, KEY_SECRET, account_sid=ACCOUNT)
        self.assertEqual(client.messages.create(to=TO, from_=FROM, body="k").account_sid, ACCOUNT)
        wrong, _ = self.client(ACCOUNT, "wrong-token")
        refused = self.refusal(lambda: wrong.messages.create(to=TO, from_=FROM, body="x"))
        self.assertEqual((refused.status, refused.code, refused.msg), (401, 20003, "Unable to create record: Authenticate"))

    def test_magic_numbers_are_refused_with_twilios_codes(self):
        client, _ = self.client()
        cases = [
            (lambda: client.messages.create(to=TO, from_="+15005550001", body="x"), 21212),
            (lambda: client.messages.create(to="+15005550009", from_=FROM, body="x"), 21614),
            (lambda: client.calls.create(to="+15005550002", from_=FROM, url=VOICE), 21214),
            (lambda: client.calls.create(to=TO, from_="+14155550199", url=VOICE), 21210),
        ]
        for create, code in cases:
            refused = self.refusal(create)
            self.assertEqual((refused.status, refused.code), (400, code))

    def test_it_fetches_a_message_until_delivered_and_a_missing_one_is_404_20404(self):
        client, _ = self.client()
        sid = client.messages.create(to=TO, from_=FROM, body="track me").sid
        delivered = until(lambda: client.messages(sid).fetch(), lambda m: m.status == "delivered")
        self.assertIsInstance(delivered.date_sent, datetime.datetime)
        self.assertGreaterEqual(delivered.date_updated, delivered.date_sent)
        missing = self.refusal(lambda: client.messages("SM" + "f" * 32).fetch())
        self.assertEqual((missing.status, missing.code), (404, 20404))

    def test_it_lists_with_filters_and_pages_by_the_next_page_uri(self):
        client, http_client = self.client()
        to = "+14155550177"
        sids = [client.messages.create(to=to, from_=FROM, body="n{}".format(i)).sid for i in range(3)]
        self.assertEqual([m.sid for m in client.messages.list(to=to)], list(reversed(sids)))
        first = client.messages.page(to=to, page_size=2)
        self.assertEqual([m.sid for m in first], list(reversed(sids))[:2])
        second = first.next_page()
        self.assertEqual([m.sid for m in second], [sids[0]])
        self.assertIn("PageToken=PA", http_client.requests[-1][1])
        self.assertIsNone(second.next_page())
        self.assertEqual(len(client.messages.list(to=to, limit=3, page_size=1)), 3)
        # A datetime filter as the helper serialises it (YYYY-MM-DDTHH:MM:SSZ), once the messages have a date_sent.
        for sid in sids:
            until(lambda: client.messages(sid).fetch(), lambda m: m.date_sent is not None)
        now = datetime.datetime.utcnow()
        self.assertEqual(len(client.messages.list(to=to, date_sent_after=now - datetime.timedelta(days=1))), 3)
        self.assertEqual(client.messages.list(to=to, date_sent_before=now - datetime.timedelta(days=2)), [])
        self.assertRegex(http_client.requests[-1][2]["DateSent<"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(client.messages.list(to="+14155550178"), [])
        status, body = self.page_refusal(lambda: client.messages.page(page_size=1001))
        self.assertEqual((status, body["code"]), (400, 20001))
        self.assertIn("'PageSize'", body["message"])
        status, body = self.page_refusal(lambda: client.messages.page(date_sent="yesterday"))
        self.assertEqual((status, body["code"]), (400, 20001))

    def test_it_hangs_up_a_call_in_progress_and_a_second_hang_up_is_21220(self):
        client, _ = self.client()
        sid = client.calls.create(to=TO, from_=FROM, url=VOICE).sid
        live = until(lambda: client.calls(sid).fetch(), lambda c: c.status == "in-progress")
        self.assertIsInstance(live.start_time, datetime.datetime)
        ended = client.calls(sid).update(status="completed")
        self.assertEqual(ended.status, "completed")
        self.assertEqual(ended.duration, str(int((ended.end_time - ended.start_time).total_seconds())))
        again = self.refusal(lambda: client.calls(sid).update(status="completed"))
        self.assertEqual((again.status, again.code), (400, 21220))
        self.assertIn(sid, [c.sid for c in client.calls.list(status="completed", to=TO)])

    def test_calls_to_the_emulators_own_numbers_end_busy_no_answer_or_failed(self):
        client, _ = self.client()
        for to, status in [("+15005550020", "busy"), ("+15005550021", "no-answer"), ("+15005550022", "failed")]:
            sid = client.calls.create(to=to, from_=FROM, url=VOICE, timeout=5).sid
            ended = until(lambda: client.calls(sid).fetch(), lambda c: c.status == status)
            self.assertEqual(ended.duration, "0")
            self.assertIsNone(ended.start_time)
            self.assertIn(sid, [c.sid for c in client.calls.list(status=status)])

    def test_it_redacts_a_message_and_cancels_a_scheduled_one(self):
        client, _ = self.client()
        sid = client.messages.create(to=TO, from_=FROM, body="my code is 1234").sid
        self.assertEqual(client.messages(sid).update(body="").body, "")
        send_at = datetime.datetime.utcnow() + datetime.timedelta(days=1)
        scheduled = client.messages.create(to=TO, messaging_service_sid="MG" + "3" * 32, body="tomorrow",
                                           schedule_type="fixed", send_at=send_at)
        self.assertEqual(scheduled.status, "scheduled")
        self.assertEqual(client.messages(scheduled.sid).update(status="canceled").status, "canceled")
        refused = self.refusal(lambda: client.messages(sid).update(status="canceled"))
        self.assertEqual((refused.status, refused.code), (400, 30409))

    def test_it_deletes_a_finished_message_and_call_and_one_in_progress_is_20009(self):
        client, _ = self.client()
        message = client.messages.create(to=TO, from_=FROM, body="bye")
        call = client.calls.create(to=TO, from_=FROM, url=VOICE)
        early = self.refusal(lambda: client.calls(call.sid).delete())
        self.assertEqual((early.status, early.code), (409, 20009))
        until(lambda: client.messages(message.sid).fetch(), lambda m: m.status == "delivered")
        self.assertTrue(client.messages(message.sid).delete())
        self.assertEqual(self.refusal(lambda: client.messages(message.sid).fetch()).status, 404)
        until(lambda: client.calls(call.sid).fetch(), lambda c: c.status == "completed")
        self.assertTrue(client.calls(call.sid).delete())
        self.assertEqual(self.refusal(lambda: client.calls(call.sid).fetch()).code, 20404)

    def test_status_callbacks_are_signed_so_that_the_helpers_request_validator_accepts_them(self):
        client, _ = self.client()
        hook = "http://127.0.0.1:{}/status?tenant=7".format(self.receiver.server_address[1])
        sid = client.messages.create(to=TO, from_=FROM, body="cb", status_callback=hook).sid
        mine = lambda: [r for r in Receiver.received if r[2].get("MessageSid") == sid]  # noqa: E731
        received = until(mine, lambda rs: len(rs) >= 3)
        self.assertEqual([r[2]["MessageStatus"] for r in received], ["sending", "sent", "delivered"])
        validator = RequestValidator(TOKEN)
        for path, headers, params in received:
            url = "http://127.0.0.1:{}{}".format(self.receiver.server_address[1], path)
            self.assertTrue(validator.validate(url, params, headers["X-Twilio-Signature"]))
            self.assertFalse(RequestValidator("another-token").validate(url, params, headers["X-Twilio-Signature"]))
            self.assertFalse(validator.validate(url, dict(params, MessageStatus="failed"),
                                                headers["X-Twilio-Signature"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
