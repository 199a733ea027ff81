"""Real, independent peers against Postino's SMTP (mx) and LMTP listeners:
a private Postfix relaying to Postino over SMTP, SMTP+STARTTLS and LMTP
(messages must arrive byte-identical apart from trace headers), swaks
(PIPELINING, STARTTLS, LMTP, raw DATA with bare LF and end-of-data
smuggling payloads) and Postfix's smtp-source (parallel sessions).

Security notes: the smuggling tests send RFC 5321 4.1.1.4 violations
(`<LF>.<CR><LF>` and friends) that must neither end DATA nor deliver the
commands hidden after them.
"""
import base64
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import private_postfix
from harness import Node
from private_postfix import PrivatePostfix
from smtp_helpers import fetch_bytes, mailbox_uids, wait_for_messages

SWAKS = shutil.which("swaks")
SMTP_SOURCE = shutil.which("smtp-source") or (
    "/usr/sbin/smtp-source" if os.path.exists("/usr/sbin/smtp-source") else None)
TOOL_TIMEOUT = 60


def swaks_has_tls():
    """swaks needs Net::SSLeay for STARTTLS (`swaks --support` says)."""
    if not SWAKS:
        return False
    out = subprocess.run([SWAKS, "--support"], capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    return "TLS supported" in out.stdout + out.stderr


# -- messages ----------------------------------------------------------------
def message(n, subject, body, extra_headers=b"", first_headers=b""):
    """A message with every header Postfix would otherwise add (Date,
    Message-ID, From, To), so that Postfix adds nothing but Received."""
    return (first_headers +
            b"From: Sender <sender@remote.example>\r\n"
            b"To: Relay Target <%s>\r\n"
            b"Date: Mon, 01 Jan 2024 10:00:%02d +0000\r\n"
            b"Message-ID: <peer-%d@remote.example>\r\n"
            b"Subject: " % (b"@RCPT@", n % 60, n) + subject + b"\r\n" +
            extra_headers + b"\r\n" + body)


def varied_messages():
    """20 (name, mail options, message) tuples; @RCPT@ in the To: header is
    replaced with the recipient. Every message ends in CRLF (a client adds
    one otherwise)."""
    attachment = base64.encodebytes(bytes(range(256)) * 40).replace(b"\n", b"\r\n")
    big_line = b"".join(b"%076d\r\n" % i for i in range(26_000))  # ~2 MB
    cases = [
        ("plain", (), b"plain", b"Hello,\r\n\r\nA plain message.\r\n"),
        ("empty_body", (), b"empty body", b""),
        ("blank_lines", (), b"blank lines", b"\r\n\r\ntext\r\n\r\n\r\n"),
        ("utf8_smtputf8", ("SMTPUTF8", "BODY=8BITMIME"), "café ☕".encode(),
         "Ça marche — ünïcödé, 日本語, emoji 📬\r\n".encode()),
        ("8bit_mime", ("BODY=8BITMIME",), b"8bit",
         "Grüße aus Köln\r\n".encode()),
        ("latin1_8bit", ("BODY=8BITMIME",), b"latin-1",
         b"caf\xe9 cr\xe8me br\xfbl\xe9e\r\n"),
        ("line_998", (), b"998", b"a" * 998 + b"\r\n" + b"b" * 997 + b"\r\n"),
        ("many_long_lines", (), b"long lines", (b"c" * 990 + b"\r\n") * 50),
        ("dots", (), b"dots",
         b".\r\n..\r\n.leading dot\r\n...three\r\nnot at start.\r\n. \r\n"),
        ("dot_last_line", (), b"dot last", b"body\r\n.\r\n"),
        ("from_line", (), b"mbox From", b"From the start of a line\r\n>From quoted\r\n"),
        ("whitespace", (), b"whitespace", b"trailing spaces   \r\n\ttab led\r\n \r\n"),
        ("folded_headers", (), b"folded\r\n\tsubject line", b"folded headers\r\n"),
        ("multipart_base64", (), b"attachment",
         b"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nsee attachment\r\n"
         b"--b1\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\n"
         b"Content-Transfer-Encoding: base64\r\n"
         b"Content-Disposition: attachment; filename=\"blob.bin\"\r\n\r\n" + attachment +
         b"--b1--\r\n"),
        ("alternative_qp", (), b"alternative",
         b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft break\r\n"
         b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>caf&eacute;</p>\r\n"
         b"--alt--\r\n"),
        ("earlier_hop", (), b"earlier hop", b"relayed before\r\n"),
        ("long_header", (), b"x" * 900, b"long subject\r\n"),
        ("crlf_in_middle", (), b"crlf", b"a\r\n\r\n.\r\n\r\nb\r\n"),
        ("binary_looking", ("BODY=8BITMIME",), b"high bytes",
         bytes(range(0x80, 0x100)).replace(b"\r", b"") + b"\r\n"),
        ("two_megabytes", (), b"big", big_line),
    ]
    out = []
    for n, (name, options, subject, body) in enumerate(cases):
        extra = b""
        first = b""
        if name.startswith("multipart"):
            extra = b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n"
        elif name == "alternative_qp":
            extra = b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=alt\r\n"
        elif name in ("utf8_smtputf8", "8bit_mime"):
            extra = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" \
                    b"Content-Transfer-Encoding: 8bit\r\n"
        elif name == "latin1_8bit":
            extra = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n" \
                    b"Content-Transfer-Encoding: 8bit\r\n"
        elif name == "earlier_hop":
            first = (b"Received: from origin.remote.example (origin.remote.example [192.0.2.1])\r\n"
                     b"\tby mx.remote.example with ESMTP id 1; Mon, 1 Jan 2024 09:59:00 +0000\r\n")
        out.append((name, options, message(n, subject, body, extra, first)))
    assert len(out) == 20
    return out


TRACE = re.compile(rb"(Return-Path|Delivered-To|Received):[^\r]*\r\n(?:[ \t][^\r]*\r\n)*")


def strip_trace(raw, received):
    """Removes the leading Return-Path and Delivered-To Postino adds and
    exactly `received` Received headers (Postino's, then each relay's).
    Returns (trace headers, the rest)."""
    trace = []
    rest = raw
    want = [b"Return-Path", b"Delivered-To"] + [b"Received"] * received
    for name in want:
        match = TRACE.match(rest)
        if not match or match.group(1) != name:
            raise AssertionError(f"expected a {name!r} trace header at {rest[:200]!r}")
        trace.append(match.group(0))
        rest = rest[match.end():]
    return trace, rest


def message_id(raw):
    match = re.search(rb"^Message-ID: (<[^>]+>)", raw, re.M | re.I)
    return match.group(1) if match else None


# -- Postfix relaying to Postino ---------------------------------------------
# Postfix's smtp and lmtp clients pipeline, sending QUIT in the same packet
# as the final "." (RFC 2920 3.1); the relay tests run Postfix as shipped.


@unittest.skipUnless(private_postfix.available(), "needs /usr/sbin/postfix and root")
class PostfixRelayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node()
        cls.addClassCleanup(cls.node.cleanup)  # also when setUpClass fails
        for user in ["via-smtp", "via-lmtp", "via-tls", "pipelined-smtp", "pipelined-lmtp", "andré"]:
            cls.node.add_user(f"{user}@example.test", "pw")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def smtp_transport(self):
        return f"smtp:[127.0.0.1]:{self.node.ports['smtp']}"

    def lmtp_transport(self):
        return f"lmtp:inet:[127.0.0.1]:{self.node.ports['lmtp']}"

    def relay(self, transport, rcpt, messages, smtp_tls_level="none", extra_main=""):
        """Sends `messages` through a private Postfix relaying with
        `transport`; checks each arrives intact. Returns (mail options,
        trace headers) per message and Postfix's log."""
        with PrivatePostfix(transport, smtp_tls_level=smtp_tls_level, extra_main=extra_main) as pf:
            pf.start()
            sent = {}
            for name, options, msg in messages:
                msg = msg.replace(b"@RCPT@", rcpt.encode())
                sender = "andré@remote.example" if "SMTPUTF8" in options else "sender@remote.example"
                qid = pf.send(sender, [rcpt], msg, mail_options=options)
                sent[message_id(msg)] = (name, options, sender, msg, qid)
            lines = pf.wait_sent([entry[-1] for entry in sent.values()])
            postfix_log = pf.log()
        for line in sum(lines.values(), []):
            self.assertIn("relay=127.0.0.1[127.0.0.1]", line)
        uids = wait_for_messages(self.node, rcpt, len(messages))
        self.assertEqual(len(uids), len(messages))
        delivered = {}
        for uid in uids:
            raw = fetch_bytes(self.node, rcpt, uid)
            # Postino's Received header and then Postfix's
            trace, rest = strip_trace(raw, received=2)
            delivered[message_id(rest)] = (trace, rest)
        result = []
        for mid, (name, options, sender, msg, qid) in sent.items():
            with self.subTest(message=name):
                self.assertIn(mid, delivered)
                trace, rest = delivered[mid]
                if rest != msg:
                    at = next((i for i, (a, b) in enumerate(zip(rest, msg)) if a != b),
                              min(len(rest), len(msg)))
                    self.fail(f"{name} altered at byte {at} (sent {len(msg)}, got {len(rest)}): "
                              f"sent {msg[max(0, at - 40):at + 40]!r}, got {rest[max(0, at - 40):at + 40]!r}")
                self.assertEqual(trace[0], f"Return-Path: <{sender}>\r\n".encode())
                self.assertEqual(trace[1], f"Delivered-To: {rcpt}\r\n".encode())
                self.assertIn(b"from relay.remote.example", trace[2])
                self.assertIn(b"by relay.remote.example (Postfix)", trace[3])
                self.assertIn(qid.encode(), trace[3])
                result.append((options, trace))
        return result, postfix_log

    def assert_protocol(self, delivered, protocol):
        """RFC 3848 / RFC 6531 4.3: the with-clause of Postino's Received
        header names the protocol, UTF8-prefixed under SMTPUTF8."""
        for options, trace in delivered:
            utf8 = "SMTPUTF8" in options
            expected = ("UTF8" + protocol.removeprefix("E") if utf8 else protocol).encode()
            self.assertIn(b" with " + expected + b" id ", trace[2])

    def test_postfix_relays_over_smtp(self):
        delivered, _ = self.relay(self.smtp_transport(), "via-smtp@example.test", varied_messages())
        self.assert_protocol(delivered, "ESMTP")

    def test_postfix_relays_over_lmtp(self):
        delivered, _ = self.relay(self.lmtp_transport(), "via-lmtp@example.test", varied_messages())
        self.assert_protocol(delivered, "LMTP")

    def test_postfix_relays_over_smtp_with_starttls(self):
        some = [m for m in varied_messages()
                if m[0] in ("plain", "utf8_smtputf8", "dots", "multipart_base64", "two_megabytes")]
        delivered, log = self.relay(self.smtp_transport(), "via-tls@example.test", some,
                                    smtp_tls_level="encrypt")
        self.assertIn("TLS connection established to 127.0.0.1[127.0.0.1]", log)
        self.assert_protocol(delivered, "ESMTPS")

    def test_default_client_pipelines_quit_after_dot_smtp(self):
        plain = [m for m in varied_messages() if m[0] in ("plain", "dots")]
        self.relay(self.smtp_transport(), "pipelined-smtp@example.test", plain, extra_main="")

    def test_default_client_pipelines_quit_after_dot_lmtp(self):
        plain = [m for m in varied_messages() if m[0] in ("plain", "dots")]
        self.relay(self.lmtp_transport(), "pipelined-lmtp@example.test", plain, extra_main="")

    # For a UTF-8 recipient Postfix sends
    # "RCPT TO:<andré@example.test> ORCPT=rfc822;andr+C3+A9@example.test".
    def test_utf8_recipient_through_postfix(self):
        msg = message(99, "ünïcödé".encode(), "to a UTF-8 mailbox ✓\r\n".encode(),
                      b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      b"Content-Transfer-Encoding: 8bit\r\n")
        self.relay(self.smtp_transport(), "andré@example.test",
                   [("utf8_rcpt", ("SMTPUTF8", "BODY=8BITMIME"), msg)])


# -- swaks ---------------------------------------------------------------------
def swaks(*args):
    return subprocess.run([SWAKS, "--helo", "client.remote.example", "--timeout", "30", *args],
                          capture_output=True, text=True, timeout=TOOL_TIMEOUT)


@unittest.skipUnless(SWAKS, "needs swaks")
class SwaksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node()
        cls.addClassCleanup(cls.node.cleanup)
        for user in ["piped", "tls", "lmtp1", "lmtp2", "outer", "victim"]:
            cls.node.add_user(f"{user}@example.test", "pw")
        cls.node.start()
        cls.tmp = tempfile.mkdtemp(prefix="postino-swaks-")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def smtp(self, *args):
        return swaks("--server", "127.0.0.1", "--port", str(self.node.ports["smtp"]),
                     "--from", "sender@remote.example", *args)

    def test_pipelining(self):
        out = self.smtp("--to", "piped@example.test", "--pipeline",
                        "--header", "Subject: pipelined by swaks")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("<-  250-PIPELINING", out.stdout)
        # MAIL, RCPT and DATA go out as one group before any reply is read
        self.assertRegex(out.stdout, r" -> MAIL FROM:<sender@remote\.example>\n"
                                     r" -> RCPT TO:<piped@example\.test>\n -> DATA\n")
        self.assertRegex(out.stdout, r"<-  250 [^\n]*queued as")
        uids = wait_for_messages(self.node, "piped@example.test", 1)
        self.assertIn(b"Subject: pipelined by swaks", fetch_bytes(self.node, "piped@example.test", uids[0]))

    @unittest.skipUnless(swaks_has_tls(), "swaks without TLS support (Net::SSLeay)")
    def test_starttls(self):
        out = self.smtp("--to", "tls@example.test", "--tls", "--header", "Subject: swaks over tls")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(" -> STARTTLS", out.stdout)
        self.assertIn("=== TLS started with cipher", out.stdout)
        self.assertIn(" ~> EHLO client.remote.example", out.stdout)
        self.assertRegex(out.stdout, r"<~  250 [^\n]*queued as")
        uids = wait_for_messages(self.node, "tls@example.test", 1)
        raw = fetch_bytes(self.node, "tls@example.test", uids[0])
        self.assertIn(b"Subject: swaks over tls", raw)
        self.assertIn(b"with ESMTPS", raw)

    def test_lmtp(self):
        out = swaks("--server", "127.0.0.1", "--port", str(self.node.ports["lmtp"]),
                    "--protocol", "LMTP", "--from", "sender@remote.example",
                    "--to", "lmtp1@example.test,lmtp2@example.test", "--header", "Subject: swaks lmtp")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(" -> LHLO client.remote.example", out.stdout)
        # RFC 2033 4.2: one reply per accepted recipient after the final dot
        self.assertEqual(len(re.findall(r"<-  250 [^\n]*lmtp[12]@example\.test", out.stdout)), 2,
                         out.stdout)
        # LMTP delivers before it answers
        for user in ["lmtp1", "lmtp2"]:
            self.assertEqual(len(mailbox_uids(self.node, f"{user}@example.test")), 1)

    def raw_data(self, name, payload):
        """Sends `payload` as the DATA contents with no fix-ups (swaks only
        appends the final CRLF after our closing dot)."""
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(payload)
        return self.smtp("--to", "outer@example.test", "--data", "@" + path, "-ndf")

    def test_bare_lf_is_rejected(self):
        out = self.raw_data("bare-lf", b"From: s@remote.example\r\nTo: outer@example.test\r\n"
                                       b"Subject: bare lf\r\n\r\nbare\nline\r\n.")
        self.assertNotEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r"<\*\* 550 5\.5\.2 ")
        self.assertEqual(mailbox_uids(self.node, "outer@example.test"), [])

    def test_end_of_data_smuggling_is_rejected_and_not_delivered(self):
        smuggled = (b"MAIL FROM:<evil@remote.example>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n"
                    b"From: evil@remote.example\r\nTo: victim@example.test\r\nSubject: smuggled\r\n\r\n"
                    b"smuggled body\r\n.")
        for name, terminator in [("lf-dot-crlf", b"\n.\r\n"), ("crlf-dot-lf", b"\r\n.\n"),
                                 ("lf-dot-lf", b"\n.\n"), ("cr-dot-crlf", b"\r.\r\n")]:
            with self.subTest(payload=name):
                out = self.raw_data(name, b"From: s@remote.example\r\nTo: outer@example.test\r\n"
                                          b"Subject: outer\r\n\r\nouter body" + terminator + smuggled)
                self.assertNotEqual(out.returncode, 0, out.stdout)
                self.assertRegex(out.stdout, r"<\*\* 550 5\.5\.2 ")
                # exactly one reply to DATA's content: no 250 for smuggled commands
                self.assertNotIn("queued as", out.stdout)
        # nothing was delivered, neither the outer nor the smuggled message
        self.assertEqual(mailbox_uids(self.node, "outer@example.test"), [])
        self.assertEqual(mailbox_uids(self.node, "victim@example.test"), [])
        self.assertNotIn("evil@remote.example", self.node.server_log())


# -- smtp-source -------------------------------------------------------------
@unittest.skipUnless(SMTP_SOURCE, "needs Postfix's smtp-source")
class SmtpSourceTest(unittest.TestCase):
    def run_source(self, *args):
        return subprocess.run([SMTP_SOURCE, "-M", "client.remote.example", "-S", "from smtp-source",
                               *args], capture_output=True, text=True, timeout=TOOL_TIMEOUT)

    def test_fifty_messages_over_five_sessions(self):
        with Node() as node:
            node.add_user("demo@example.test", "pw")
            node.start()
            out = self.run_source("-s", "5", "-m", "50", "-f", "sender@remote.example",
                                  "-t", "demo@example.test", f"127.0.0.1:{node.ports['smtp']}")
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            uids = wait_for_messages(node, "demo@example.test", 50)
            self.assertEqual(len(uids), 50)
            self.assertIn(b"Subject: from smtp-source", fetch_bytes(node, "demo@example.test", uids[-1]))
            node.stop()

    def test_fifty_messages_over_five_lmtp_sessions(self):
        with Node() as node:
            node.add_user("demo@example.test", "pw")
            node.start()
            out = self.run_source("-L", "-s", "5", "-m", "50", "-f", "sender@remote.example",
                                  "-t", "demo@example.test", f"127.0.0.1:{node.ports['lmtp']}")
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            # LMTP delivers before it answers
            self.assertEqual(len(mailbox_uids(node, "demo@example.test")), 50)
            node.stop()


if __name__ == "__main__":
    unittest.main()
