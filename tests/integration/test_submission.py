"""Authenticated submission on 587 (STARTTLS) and 465 (implicit TLS) with
independent clients: swaks (PLAIN, LOGIN), nodemailer from npm (PLAIN,
LOGIN on both ports), a SCRAM-SHA-256 client written here with hashlib/hmac,
and a SCRAM-SHA-256-PLUS client on Node's TLS (tls-exporter binding).
Checks AUTH only under TLS, 535 5.7.8 alike for a wrong password and an
unknown user, 421 after too many failures, sender identity (MAIL FROM and
From:), rate limits, suspended sending, local delivery through the queue
and relaying of external recipients into the queue.

Security notes: failed logins are delayed by the server (AuthThrottle), so
the tests that fail on purpose are few; they share the client address
127.0.0.1 and each one waits longer than the one before.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import smtplib
import ssl
import subprocess
import time
import unittest

import npm_deps
from harness import Node
from smtp_helpers import RawSmtp, fetch, mailbox_uids

SWAKS = shutil.which("swaks")
NODE = npm_deps.node_binary()
TOOL_TIMEOUT = 120

CONFIG = """[submission]
max_auth_failures = 2
messages_per_hour = 50
recipients_per_hour = 200

[submission.domain_limits."limited.test"]
messages_per_hour = 1
"""

PASSWORDS = {"alice": "alice secret 1", "bob": "bob-secret-2", "carol": "carol:secret=3", "dave": "dave secret 4"}


def unverified():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the node's self-signed certificate
    return context


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def scram_exchange(smtp, user, password):
    """SCRAM-SHA-256 (RFC 5802/7677) over SMTP AUTH with an initial
    response; returns (final reply code, text, server signature verified)."""
    nonce = b64(os.urandom(18))
    gs2 = "n,,"
    first_bare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + nonce
    code, text = smtp.docmd("AUTH", "SCRAM-SHA-256 " + b64(gs2 + first_bare))
    if code != 334:
        return code, text, False
    server_first = base64.b64decode(text).decode()
    attrs = dict(part.split("=", 1) for part in server_first.split(","))
    assert attrs["r"].startswith(nonce), server_first
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = "c=" + b64(gs2) + ",r=" + attrs["r"]
    auth_message = ",".join([first_bare, server_first, without_proof]).encode()
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    code, text = smtp.docmd(b64(without_proof + ",p=" + b64(proof)))
    if code != 334:
        return code, text, False
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expected = "v=" + b64(hmac.new(server_key, auth_message, hashlib.sha256).digest())
    verified = base64.b64decode(text).decode() == expected
    code, text = smtp.docmd("")
    return code, text, verified


def swaks(*args):
    return subprocess.run([SWAKS, *args], capture_output=True, text=True, timeout=TOOL_TIMEOUT)


class SubmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config=CONFIG)
        for user, password in PASSWORDS.items():
            cls.node.add_user(f"{user}@example.test", password)
        cls.node.cli("alias", "add", "team@example.test", "alice@example.test", "bob@example.test", check=True)
        cls.node.cli("user", "grant-sender", "alice@example.test", "boss@partner.example", check=True)
        cls.node.cli("user", "set-limits", "carol@example.test", "--messages-per-hour", "2",
                     "--recipients-per-hour", "3", check=True)
        cls.node.cli("user", "suspend-sending", "dave@example.test", check=True)
        cls.node.cli("domain", "add", "limited.test", check=True)
        cls.node.add_user("erin@limited.test", "erin secret 5")
        cls.node.add_user("finn@limited.test", "finn secret 6")
        cls.node.cli("user", "set-limits", "finn@limited.test", "--messages-per-hour", "3", check=True)
        cls.node.start()
        cls.port = cls.node.ports["submission"]
        cls.tls_port = cls.node.ports["submissions"]

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    # -- helpers -------------------------------------------------------------
    def starttls(self):
        s = smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.example.test", timeout=60)
        s.starttls(context=unverified())
        s.ehlo()
        return s

    def login(self, user):
        s = self.starttls()
        s.login(f"{user}@example.test", PASSWORDS[user])
        return s

    def wait_delivered(self, user, needle, attempts=300):
        """Polls `user`'s INBOX until a message contains `needle`; returns its text."""
        for _ in range(attempts):
            for uid in mailbox_uids(self.node, user):
                text = fetch(self.node, user, uid)
                if needle in text:
                    return text
            time.sleep(0.1)
        self.fail(f"{needle!r} never reached {user}\n" + self.node.server_log()[-4000:])

    # -- TLS before AUTH -----------------------------------------------------
    def test_auth_and_mail_refused_before_starttls(self):
        raw = RawSmtp(self.port)
        try:
            self.assertEqual(raw.reply()[0], 220)
            code, text = raw.cmd("EHLO client.example.test")
            self.assertEqual(code, 250)
            self.assertIn("STARTTLS", text)
            self.assertNotIn("AUTH", text)
            code, text = raw.cmd("AUTH PLAIN " + b64("\0alice@example.test\0" + PASSWORDS["alice"]))
            self.assertEqual(text, "530 5.7.0 Must issue a STARTTLS command first")
            code, text = raw.cmd("MAIL FROM:<alice@example.test>")
            self.assertEqual(text, "530 5.7.0 Must issue a STARTTLS command first")
        finally:
            raw.close()
        with self.starttls() as s:
            self.assertIn("PLAIN", s.esmtp_features["auth"].split())
            self.assertEqual(set(s.esmtp_features["auth"].split()),
                             {"PLAIN", "LOGIN", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"})
            code, text = s.mail("alice@example.test")
            self.assertEqual((code, text), (530, b"5.7.0 Authentication required"))

    def test_implicit_tls_port_offers_auth_at_once(self):
        with smtplib.SMTP_SSL("127.0.0.1", self.tls_port, local_hostname="client.example.test",
                              context=unverified(), timeout=60) as s:
            s.ehlo()
            self.assertNotIn("starttls", s.esmtp_features)
            self.assertIn("SCRAM-SHA-256-PLUS", s.esmtp_features["auth"])
            s.login("alice@example.test", PASSWORDS["alice"])
            s.sendmail("alice@example.test", ["bob@example.test"],
                       b"From: alice@example.test\r\nSubject: over 465 with smtplib\r\n\r\nhi\r\n")
        self.wait_delivered("bob@example.test", "over 465 with smtplib")

    # -- swaks ---------------------------------------------------------------
    @unittest.skipUnless(SWAKS, "needs swaks")
    def test_swaks_plain_on_587_delivers_locally_with_added_headers(self):
        data = ("From: Alice <alice@example.test>\nTo: bob@example.test\nSubject: swaks plain 587\n\n"
                "no Message-ID, no Date\n")
        out = swaks("--server", "127.0.0.1", "--port", str(self.port), "--tls", "--ehlo", "client.example.test",
                    "--auth", "PLAIN", "--auth-user", "alice@example.test", "--auth-password", PASSWORDS["alice"],
                    "--from", "alice@example.test", "--to", "bob@example.test", "--data", data)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("235 2.7.0 Authentication successful", out.stdout)
        text = self.wait_delivered("bob@example.test", "swaks plain 587")
        self.assertIn("(Authenticated sender: alice@example.test)", text)
        self.assertRegex(text, r"with ESMTPSA id [0-9A-F]+")
        self.assertRegex(text, r"(?m)^Message-ID: <[0-9a-f]{32}@mail\.example\.test>\r?$")
        self.assertRegex(text, r"(?m)^Date: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r?$")
        # Added at the end of the header section, before the body.
        self.assertLess(text.index("Subject: swaks plain 587"), text.index("Message-ID:"))
        self.assertLess(text.index("Date:"), text.index("no Message-ID, no Date"))
        self.assertRegex(self.node.server_log(),
                         r"postino/submission/smtpd: [0-9A-F]+: client=unknown\[127\.0\.0\.1\], "
                         r"sasl_method=PLAIN, sasl_username=alice@example\.test")

    @unittest.skipUnless(SWAKS, "needs swaks")
    def test_swaks_login_on_465(self):
        out = swaks("--server", "127.0.0.1", "--port", str(self.tls_port), "--tlsc", "--ehlo", "client.example.test",
                    "--auth", "LOGIN", "--auth-user", "bob@example.test", "--auth-password", PASSWORDS["bob"],
                    "--from", "bob@example.test", "--to", "alice@example.test",
                    "--header", "Subject: swaks login 465")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        text = self.wait_delivered("alice@example.test", "swaks login 465")
        self.assertIn("(Authenticated sender: bob@example.test)", text)
        self.assertRegex(self.node.server_log(), r"postino/submissions/smtpd: [0-9A-F]+: client=unknown\[127\.0\.0\.1\], "
                                                 r"sasl_method=LOGIN, sasl_username=bob@example\.test")

    @unittest.skipUnless(SWAKS, "needs swaks")
    def test_wrong_password_and_unknown_user_look_alike_then_421(self):
        out = swaks("--server", "127.0.0.1", "--port", str(self.port), "--tls", "--ehlo", "client.example.test",
                    "--auth", "PLAIN", "--auth-user", "alice@example.test", "--auth-password", "wrong",
                    "--from", "alice@example.test", "--to", "bob@example.test")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("535 5.7.8 Error: authentication failed", out.stdout)
        # Unknown user, same connection: the same answer; the second failure
        # (max_auth_failures = 2) also ends the session.
        with self.starttls() as s:
            code, text = s.docmd("AUTH", "PLAIN " + b64("\0alice@example.test\0wrong again"))
            self.assertEqual((code, text), (535, b"5.7.8 Error: authentication failed"))
            code, text = s.docmd("AUTH", "LOGIN " + b64("nobody@example.test"))
            self.assertEqual(code, 334)
            s.send(b64("whatever") + "\r\n")
            self.assertEqual(s.getreply(), (535, b"5.7.8 Error: authentication failed"))
            code, text = s.getreply()
            self.assertEqual((code, text), (421, b"4.7.0 mail.example.test Error: too many authentication failures"))
        log = self.node.server_log()
        self.assertIn("warning: unknown[127.0.0.1]: SASL PLAIN authentication failed: authentication failure, "
                      "sasl_username=alice@example.test", log)
        self.assertIn("SASL LOGIN authentication failed: authentication failure, sasl_username=nobody@example.test",
                      log)
        self.assertIn("too many authentication failures (2) from unknown[127.0.0.1]", log)

    def test_cancel_is_501(self):
        with self.starttls() as s:
            code, text = s.docmd("AUTH", "LOGIN")
            self.assertEqual((code, base64.b64decode(text)), (334, b"Username:"))
            code, text = s.docmd("*")
            self.assertEqual((code, text), (501, b"5.0.0 Error: authentication aborted"))
            # the session goes on
            s.login("alice@example.test", PASSWORDS["alice"])
            code, text = s.docmd("AUTH", "PLAIN " + b64("\0alice@example.test\0" + PASSWORDS["alice"]))
            self.assertEqual((code, text), (503, b"5.5.1 Error: already authenticated"))

    # -- SCRAM ---------------------------------------------------------------
    def test_scram_sha256_with_a_python_client(self):
        with self.starttls() as s:
            code, text, verified = scram_exchange(s, "carol@example.test", PASSWORDS["carol"])
            self.assertEqual((code, text), (235, b"2.7.0 Authentication successful"))
            self.assertTrue(verified, "server signature")
        # An unknown user gets a salt and a challenge like anyone else, then 535.
        with self.starttls() as s:
            code, text, verified = scram_exchange(s, "nobody@example.test", "x")
            self.assertEqual((code, text), (535, b"5.7.8 Error: authentication failed"))

    @unittest.skipUnless(NODE, "needs node")
    def test_scram_sha256_plus_with_tls_exporter_from_node(self):
        script = os.path.join(npm_deps.NODE_DIR, "scram_plus.js")
        out = subprocess.run([NODE, script, str(self.tls_port), "bob@example.test", PASSWORDS["bob"]],
                             capture_output=True, text=True, timeout=TOOL_TIMEOUT)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertTrue(result["ok"], result)
        self.assertTrue(result["serverVerified"], result)
        self.assertIn("sasl_method", self.node.server_log())

    # -- nodemailer ----------------------------------------------------------
    @unittest.skipUnless(NODE, "needs node")
    def test_nodemailer_plain_and_login_on_587_and_465(self):
        try:
            npm_deps.ensure_packages()
        except npm_deps.NpmUnreachable as e:
            self.skipTest(f"nodemailer cannot be installed: {e}")
        cases = [(self.port, False, "PLAIN"), (self.port, False, "LOGIN"),
                 (self.tls_port, True, "PLAIN"), (self.tls_port, True, "LOGIN")]
        for port, secure, method in cases:
            subject = f"nodemailer {method} {port}"
            result = self.nodemailer(port=port, secure=secure, method=method, user="alice@example.test",
                                     password=PASSWORDS["alice"], sender="Alice <alice@example.test>",
                                     to="bob@example.test", subject=subject)
            self.assertTrue(result["ok"], result)
            self.assertRegex(result["response"], r"^250 2\.0\.0 Ok: queued as [0-9A-F]+$")
        for port, secure, method in cases:
            text = self.wait_delivered("bob@example.test", f"nodemailer {method} {port}")
            self.assertIn("(Authenticated sender: alice@example.test)", text)
        # A forged From: refused after DATA, as nodemailer reports it.
        result = self.nodemailer(port=self.port, secure=False, method="PLAIN", user="alice@example.test",
                                 password=PASSWORDS["alice"], sender="Bob <bob@example.test>",
                                 envelope_from="alice@example.test", to="bob@example.test", subject="forged")
        self.assertFalse(result["ok"], result)
        self.assertEqual(result["responseCode"], 550, result)
        self.assertIn("5.7.1 <bob@example.test>: From: address rejected: not owned by user alice@example.test",
                      result["response"])
        # A wrong password, as nodemailer reports it.
        result = self.nodemailer(port=self.tls_port, secure=True, method="LOGIN", user="alice@example.test",
                                 password="not it", sender="alice@example.test", to="bob@example.test",
                                 subject="never")
        self.assertFalse(result["ok"], result)
        self.assertEqual((result["code"], result["responseCode"]), ("EAUTH", 535), result)

    def nodemailer(self, port, secure, method, user, password, sender, to, subject, envelope_from=None):
        options = {"port": port, "secure": secure, "method": method, "user": user, "pass": password,
                   "from": sender, "to": to, "subject": subject, "text": "sent by nodemailer\n"}
        if envelope_from:
            options["envelopeFrom"] = envelope_from
        out = subprocess.run([NODE, os.path.join(npm_deps.NODE_DIR, "send_nodemailer.js"), json.dumps(options)],
                             cwd=npm_deps.NODE_DIR, capture_output=True, text=True, timeout=TOOL_TIMEOUT)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])

    # -- identity ------------------------------------------------------------
    def test_sender_identity(self):
        with self.login("alice") as s:
            code, text = s.mail("bob@example.test")
            self.assertEqual((code, text), (553, b"5.7.1 <bob@example.test>: Sender address rejected: "
                                                 b"not owned by user alice@example.test"))
            code, text = s.mail("")
            self.assertEqual(code, 553)
            self.assertEqual(s.mail("Alice@Example.TEST")[0], 250)  # own address, any case
            s.rset()
            self.assertEqual(s.mail("team@example.test")[0], 250)  # an alias that reaches alice
            s.rset()
            self.assertEqual(s.mail("boss@partner.example")[0], 250)  # granted
            s.rset()
            # From: checked after DATA: every address must be the user's.
            s.mail("alice@example.test")
            s.rcpt("bob@example.test")
            code, text = s.data(b"From: Alice <alice@example.test>, Bob <bob@example.test>\r\n"
                                b"Subject: forged\r\n\r\nx\r\n")
            self.assertEqual((code, text), (550, b"5.7.1 <bob@example.test>: From: address rejected: "
                                                 b"not owned by user alice@example.test"))
            # An alias in From: is fine, and a missing From: is added from the envelope.
            s.sendmail("team@example.test", ["bob@example.test"],
                       b"From: The Team <team@example.test>\r\nSubject: from the team\r\n\r\nx\r\n")
            s.sendmail("alice@example.test", ["bob@example.test"], b"Subject: without from\r\n\r\nx\r\n")
        self.wait_delivered("bob@example.test", "from the team")
        text = self.wait_delivered("bob@example.test", "without from")
        self.assertIn("From: <alice@example.test>", text)
        log = self.node.server_log()
        self.assertIn("NOQUEUE: reject: MAIL from unknown[127.0.0.1]: 553 5.7.1 <bob@example.test>: Sender address "
                      "rejected: not owned by user alice@example.test; from=<bob@example.test>", log)

    def test_bdat_chunks_get_the_same_checks(self):
        with self.login("alice") as s:
            self.assertIn("chunking", s.esmtp_features)
            s.mail("alice@example.test")
            s.rcpt("bob@example.test")
            forged = b"From: bob@example.test\r\nSubject: bdat forged\r\n\r\nx\r\n"
            s.send(b"BDAT %d LAST\r\n" % len(forged) + forged)
            self.assertEqual(s.getreply(), (550, b"5.7.1 <bob@example.test>: From: address rejected: "
                                                 b"not owned by user alice@example.test"))
            s.mail("alice@example.test")
            s.rcpt("bob@example.test")
            # The header section ends inside the second chunk.
            first, second = b"From: alice@example.test\r\nSubj", b"ect: bdat chunks\r\n\r\nbody\r\n"
            s.send(b"BDAT %d\r\n" % len(first) + first)
            self.assertEqual(s.getreply()[0], 250)
            s.send(b"BDAT %d LAST\r\n" % len(second) + second)
            code, text = s.getreply()
            self.assertEqual(code, 250, text)
        text = self.wait_delivered("bob@example.test", "bdat chunks")
        self.assertRegex(text, r"Subject: bdat chunks\r?\nMessage-ID: <[0-9a-f]{32}@")
        self.assertIn("(Authenticated sender: alice@example.test)", text)

    def test_external_recipients_are_relayed_into_the_queue(self):
        with self.login("alice") as s:
            refused = s.sendmail("alice@example.test", ["someone@elsewhere.example", "bob@example.test"],
                                 b"From: alice@example.test\r\nSubject: to the world\r\n\r\nx\r\n")
            self.assertEqual(refused, {})
        self.wait_delivered("bob@example.test", "to the world")
        # Tried by the outbound agent (the private DNS sends it to a closed
        # port), deferred and kept in the queue, never bounced.
        self.assertTrue(self.node.wait_for_log("to=<someone@elsewhere.example>"), self.node.server_log()[-3000:])
        self.assertRegex(self.node.server_log(), r"to=<someone@elsewhere\.example>, .*dsn=4\.\d\.\d, status=deferred")
        out = self.node.cli("-f", "json", "queue", "list")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("someone@elsewhere.example (pending)", out.stdout)
        with self.login("alice") as s:
            s.mail("alice@example.test")
            code, text = s.rcpt("nobody@example.test")  # local unknown users are still refused
            self.assertEqual(code, 550)

    # -- rate limits and suspension ------------------------------------------
    def test_rate_limits_per_user(self):
        # carol: 2 messages and 3 recipients per hour.
        with self.login("carol") as s:
            self.assertEqual(s.sendmail("carol@example.test", ["alice@example.test", "bob@example.test"],
                                        b"From: carol@example.test\r\nSubject: rate 1\r\n\r\nx\r\n"), {})
            s.mail("carol@example.test")
            self.assertEqual(s.rcpt("alice@example.test")[0], 250)
            code, text = s.rcpt("bob@example.test")
            self.assertEqual((code, text), (451, b"4.7.1 Error: rate limit exceeded, try again later"))
            code, _ = s.data(b"From: carol@example.test\r\nSubject: rate 2\r\n\r\nx\r\n")
            self.assertEqual(code, 250)
            code, text = s.mail("carol@example.test")
            self.assertEqual((code, text), (451, b"4.7.1 Error: rate limit exceeded, try again later"))
        # Limits are per user: alice is not affected.
        with self.login("alice") as s:
            self.assertEqual(s.mail("alice@example.test")[0], 250)
        # An override back to the configured default lifts carol's limit.
        self.node.cli("user", "set-limits", "carol@example.test", "--messages-per-hour", "default",
                      "--recipients-per-hour", "default", check=True)
        with self.login("carol") as s:
            self.assertEqual(s.mail("carol@example.test")[0], 250)

    def test_rate_limits_per_domain(self):
        # limited.test allows 1 message per hour per account; finn's own
        # limit (3) wins over his domain's.
        def send(user, password, count):
            codes = []
            with self.starttls() as s:
                s.login(user, password)
                for i in range(count):
                    code, text = s.mail(user)
                    codes.append(code)
                    if code != 250:
                        self.assertEqual(text, b"4.7.1 Error: rate limit exceeded, try again later")
                        continue
                    self.assertEqual(s.rcpt("alice@example.test")[0], 250)
                    self.assertEqual(s.data(b"From: %s\r\nSubject: domain %d\r\n\r\nx\r\n" % (user.encode(), i))[0], 250)
            return codes
        self.assertEqual(send("erin@limited.test", "erin secret 5", 2), [250, 451])
        self.assertEqual(send("finn@limited.test", "finn secret 6", 4), [250, 250, 250, 451])
        # The global default (50) still applies to example.test.
        with self.login("bob") as s:
            self.assertEqual(s.mail("bob@example.test")[0], 250)

    def test_suspended_sending_keeps_login(self):
        with self.login("dave") as s:  # the login itself still works
            code, text = s.mail("dave@example.test")
            self.assertEqual((code, text), (550, b"5.7.1 sending suspended for this account"))
        shown = self.node.cli("-f", "json", "user", "show", "dave@example.test", check=True)
        self.assertEqual(json.loads(shown.stdout)["sending"], "suspended")
        self.node.cli("user", "resume-sending", "dave@example.test", check=True)
        try:
            with self.login("dave") as s:
                self.assertEqual(s.sendmail("dave@example.test", ["alice@example.test"],
                                            b"From: dave@example.test\r\nSubject: dave resumed\r\n\r\nx\r\n"), {})
            self.wait_delivered("alice@example.test", "dave resumed")
        finally:
            self.node.cli("user", "suspend-sending", "dave@example.test", check=True)


if __name__ == "__main__":
    unittest.main()
