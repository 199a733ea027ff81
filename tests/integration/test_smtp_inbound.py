"""Inbound SMTP into the queue and the mailbox store, with Python's smtplib
and raw sockets: delivery, single-instance storage, pre-queue policy,
smuggling defences, limits and bad input."""
import os
import smtplib
import socket
import ssl
import unittest

from harness import Node
from smtp_helpers import RawSmtp, fetch, fetch_bytes, mailbox_uids, wait_for_messages

LIMITS = """[smtp]
max_message_size = "200K"
max_recipients = 5
max_errors = 5
"""

MESSAGE = (b"From: Sender <sender@remote.example>\r\n"
           b"To: Demo <demo@example.test>\r\n"
           b"Subject: hello\r\n"
           b"Message-ID: <m1@remote.example>\r\n"
           b"\r\n"
           b"Line one\r\n"
           b".leading dot stays\r\n"
           b"last line\r\n")


def blob_files(node):
    count = 0
    for root, dirs, files in os.walk(os.path.join(node.dir, "blobs")):
        if os.path.basename(root) == "tmp":
            continue
        count += len(files)
    return count


class InboundTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config=LIMITS)
        for user in ["demo", "alice", "bob", "carol", "off"]:
            cls.node.add_user(f"{user}@example.test", "pw-" + user)
        cls.node.add_user("tiny@example.test", "pw", "--quota", "1K")
        cls.node.cli("user", "disable", "off@example.test", check=True)
        cls.node.cli("alias", "add", "team@example.test", "alice@example.test", "bob@example.test",
                     "team2@example.test", check=True)
        cls.node.cli("alias", "add", "team2@example.test", "carol@example.test", "team@example.test", check=True)
        cls.node.start()
        cls.port = cls.node.ports["smtp"]

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def smtp(self):
        s = smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.remote.example", timeout=30)
        s.ehlo()
        return s

    def test_delivery_is_byte_exact_with_trace_headers(self):
        with self.smtp() as s:
            refused = s.sendmail("sender@remote.example", ["demo@example.test"], MESSAGE)
            self.assertEqual(refused, {})
        uids = wait_for_messages(self.node, "demo@example.test", 1)
        raw = fetch_bytes(self.node, "demo@example.test", uids[-1])
        head, _, rest = raw.partition(b"From: Sender")
        self.assertEqual(b"From: Sender" + rest, MESSAGE)
        self.assertTrue(head.startswith(b"Return-Path: <sender@remote.example>\r\nDelivered-To: demo@example.test\r\n"))
        self.assertIn(b"Received: from client.remote.example", head)
        self.assertIn(b"for <demo@example.test>", head)
        self.assertIn("status=sent", self.node.server_log())

    def test_single_instance_for_many_recipients_and_nested_aliases(self):
        before = blob_files(self.node)
        body = MESSAGE.replace(b"hello", b"to the team")
        with self.smtp() as s:
            s.sendmail("sender@remote.example", ["team@example.test"], body)
        for user in ["alice", "bob", "carol"]:
            uids = wait_for_messages(self.node, f"{user}@example.test", 1)
            text = fetch(self.node, f"{user}@example.test", uids[-1])
            self.assertIn(f"Delivered-To: {user}@example.test", text)
            self.assertIn("to the team", text)
            self.assertEqual(len(mailbox_uids(self.node, f"{user}@example.test")), 1)  # alias loop: one copy
        self.assertEqual(blob_files(self.node), before + 1)

    def test_pre_queue_policy(self):
        with self.smtp() as s:
            s.mail("sender@remote.example")
            code, text = s.rcpt("nobody@example.test")
            self.assertEqual((code, text[:5]), (550, b"5.1.1"))
            code, text = s.rcpt("someone@elsewhere.example")
            self.assertEqual((code, text[:5]), (554, b"5.7.1"))
            code, text = s.rcpt("off@example.test")
            self.assertEqual((code, text[:5]), (550, b"5.2.1"))
            code, text = s.rcpt("demo@example.test")
            self.assertEqual(code, 250)
            s.rset()
        self.assertIn("NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <nobody@example.test>",
                      self.node.server_log())

    def test_over_quota_refuses_only_that_recipient(self):
        with self.smtp() as s:
            s.sendmail("sender@remote.example", ["tiny@example.test"], MESSAGE)
        wait_for_messages(self.node, "tiny@example.test", 1)
        with self.smtp() as s:
            # the announced size no longer fits in the 1K quota
            s.mail("sender@remote.example", ["SIZE=800"])
            code, text = s.rcpt("tiny@example.test")
            self.assertEqual((code, text[:5]), (452, b"4.2.2"))
            self.assertEqual(s.rcpt("demo@example.test")[0], 250)
            s.rset()
            # without SIZE the message is taken and waits in the queue
            # (deferred 4.2.2), never dropped
            s.sendmail("sender@remote.example", ["tiny@example.test"], MESSAGE * 3)
        self.assertTrue(self.node.wait_for_log("dsn=4.2.2, status=deferred"))
        self.assertEqual(len(mailbox_uids(self.node, "tiny@example.test")), 1)

    def test_helo_and_sender_checks(self):
        s = smtplib.SMTP("127.0.0.1", self.port, local_hostname="localhost", timeout=30)
        code, text = s.ehlo()
        self.assertEqual((code, text[:5]), (504, b"5.5.2"))
        s.close()
        with self.smtp() as s:
            code, text = s.mail("sender@nodots")
            self.assertEqual((code, text[:5]), (501, b"5.1.7"))

    def test_sender_domain_must_resolve(self):
        with self.smtp() as s:
            code, text = s.mail("someone@nowhere.example")
            self.assertEqual((code, text[:5]), (550, b"5.1.8"))
            code, text = s.mail("someone@nullmx.example")
            self.assertEqual((code, text[:6]), (550, b"5.7.27"))
            self.assertEqual(s.mail("someone@a-only.example")[0], 250)  # implicit MX
            s.rset()
            self.assertEqual(s.mail("")[0], 250)  # the null sender is not checked
            s.rset()

    def test_size_limits(self):
        with self.smtp() as s:
            code, text = s.mail("sender@remote.example", ["SIZE=300000"])
            self.assertEqual((code, text[:5]), (552, b"5.3.4"))
            s.rset()
            s.mail("sender@remote.example")
            s.rcpt("demo@example.test")
            code, text = s.data(b"Subject: big\r\n\r\n" + b"x" * 998 + b"\r\n" * 1 + (b"y" * 998 + b"\r\n") * 250)
            self.assertEqual((code, text[:5]), (552, b"5.3.4"))
            # the session survives
            self.assertEqual(s.noop()[0], 250)

    def test_too_many_recipients(self):
        with self.smtp() as s:
            s.mail("sender@remote.example")
            for _ in range(5):
                self.assertEqual(s.rcpt("demo@example.test")[0], 250)
            code, text = s.rcpt("demo@example.test")
            self.assertEqual((code, text[:5]), (452, b"4.5.3"))

    def test_smtputf8_and_8bit(self):
        body = ("From: andré@remote.example\r\nTo: demo@example.test\r\nSubject: café\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\nÇa marche — ünïcödé\r\n").encode()
        with self.smtp() as s:
            s.sendmail("andré@remote.example", ["demo@example.test"], body, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        uids = wait_for_messages(self.node, "demo@example.test", 1)
        found = any(body in fetch_bytes(self.node, "demo@example.test", u) for u in uids)
        self.assertTrue(found)

    def test_utf8_address_without_smtputf8(self):
        c = RawSmtp(self.port)
        c.reply()
        c.cmd("EHLO client.remote.example")
        code, text = c.cmd("MAIL FROM:<andré@remote.example>")
        self.assertEqual((code, text[4:9]), (553, "5.6.7"))
        c.close()

    def test_starttls(self):
        with self.smtp() as s:
            self.assertTrue(s.has_extn("starttls"))
            ctx = ssl.create_default_context(cafile=os.path.join(self.node.dir, "tls", "cert.pem"))
            ctx.check_hostname = False
            s.starttls(context=ctx)
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"))
            s.sendmail("sender@remote.example", ["bob@example.test"], MESSAGE.replace(b"hello", b"over tls"))
        deadline_uids = wait_for_messages(self.node, "bob@example.test", 1)
        texts = [fetch(self.node, "bob@example.test", u) for u in deadline_uids]
        tls_copy = [t for t in texts if "over tls" in t]
        if not tls_copy:
            tls_copy = [fetch(self.node, "bob@example.test", u)
                        for u in wait_for_messages(self.node, "bob@example.test", len(texts) + 1)]
            tls_copy = [t for t in tls_copy if "over tls" in t]
        self.assertTrue(tls_copy)
        received = tls_copy[0].split("\r\n\r\n")[0]
        self.assertIn("with ESMTPS", received)
        self.assertIn("TLSv1.3", received)


class ProtocolViolationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config=LIMITS)
        cls.node.add_user("demo@example.test", "pw")
        cls.node.start()
        cls.port = cls.node.ports["smtp"]

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def session(self):
        c = RawSmtp(self.port)
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("EHLO client.remote.example")[0], 250)
        return c

    def test_bare_lf_in_data_is_rejected(self):
        c = self.session()
        c.cmd("MAIL FROM:<s@remote.example>")
        c.cmd("RCPT TO:<demo@example.test>")
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Subject: x\r\n\r\nbare\nline\r\n.\r\n")
        code, text = c.reply()
        self.assertEqual((code, text[4:9]), (550, "5.5.2"))
        self.assertEqual(c.cmd("QUIT")[0], 221)

    def test_smuggling_payloads_do_not_end_data(self):
        for payload in [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r\n"]:
            c = self.session()
            c.cmd("MAIL FROM:<s@remote.example>")
            c.cmd("RCPT TO:<demo@example.test>")
            self.assertEqual(c.cmd("DATA")[0], 354)
            c.send(b"Subject: smuggle\r\n\r\nhi" + payload +
                   b"MAIL FROM:<evil@remote.example>\r\nRCPT TO:<demo@example.test>\r\nDATA\r\n")
            # nothing has ended the message yet: the real end does
            c.send(b"\r\n.\r\n")
            code, text = c.reply()
            # bare line endings make the message itself refused; in no case
            # are the smuggled commands executed
            self.assertEqual(code, 550, repr(payload))
            self.assertEqual(c.cmd("NOOP")[0], 250)
            c.close()

    def test_nul_byte(self):
        c = self.session()
        c.cmd("MAIL FROM:<s@remote.example>")
        c.cmd("RCPT TO:<demo@example.test>")
        c.cmd("DATA")
        c.send(b"Subject: nul\r\n\r\na\x00b\r\n.\r\n")
        code, text = c.reply()
        self.assertEqual((code, text[4:9]), (554, "5.6.0"))

    def test_hop_count(self):
        c = self.session()
        c.cmd("MAIL FROM:<s@remote.example>")
        c.cmd("RCPT TO:<demo@example.test>")
        c.cmd("DATA")
        c.send(b"".join(b"Received: from x%d.example by y.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n" % i
                        for i in range(51)) + b"Subject: loop\r\n\r\nx\r\n.\r\n")
        code, text = c.reply()
        self.assertEqual((code, text[4:9]), (554, "5.4.6"))

    def test_overlong_line_and_unknown_commands_then_too_many_errors(self):
        c = self.session()
        code, text = c.cmd("NOOP " + "x" * 5000)
        self.assertEqual((code, text[4:9]), (500, "5.5.2"))
        code, text = c.cmd("FOO bar")
        self.assertEqual((code, text[4:9]), (500, "5.5.1"))
        code, _ = c.cmd("MAIL FROM:<broken")
        self.assertEqual(code, 501)
        c.cmd("BAR")
        self.assertEqual(c.cmd("BAZ")[0], 500)  # the fifth error is answered,
        code, text = c.reply()                    # then the session ends
        self.assertEqual((code, text[4:9]), (421, "4.7.0"))
        self.assertTrue(c.closed())

    def test_bdat(self):
        c = self.session()
        c.cmd("MAIL FROM:<s@remote.example>")
        c.cmd("RCPT TO:<demo@example.test>")
        part1 = b"Subject: chunks\r\n\r\nfirst "
        part2 = b"second\r\n"
        c.send(b"BDAT %d\r\n" % len(part1) + part1)
        self.assertEqual(c.reply()[0], 250)
        c.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        self.assertIn("queued as", text)
        # a chunk declared shorter than sent: the rest is read as commands
        c.cmd("MAIL FROM:<s@remote.example>")
        c.cmd("RCPT TO:<demo@example.test>")
        c.send(b"BDAT 3 LAST\r\nabcdef\r\n")
        self.assertEqual(c.reply()[0], 250)
        code, _ = c.reply()  # "def" is not a command
        self.assertEqual(code, 500)

    def test_pipelining_without_ehlo_is_a_protocol_error(self):
        c = RawSmtp(self.port)
        c.reply()
        c.send("HELO client.remote.example\r\nMAIL FROM:<s@remote.example>\r\n")
        code, text = c.reply()
        self.assertEqual(code, 554)
        self.assertIn("synchronization", text)

    def test_commands_after_starttls_are_discarded(self):
        c = self.session()
        c.send(b"STARTTLS\r\nMAIL FROM:<injected@remote.example>\r\n")
        self.assertEqual(c.reply()[0], 220)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        tls = ctx.wrap_socket(c.sock, server_hostname="mail.example.test")
        c.sock = tls
        # if MAIL had been kept, this EHLO would see "503 nested MAIL" later
        self.assertEqual(c.cmd("EHLO client.remote.example")[0], 250)
        code, _ = c.cmd("RCPT TO:<demo@example.test>")
        self.assertEqual(code, 503)  # no MAIL: the injected one was discarded

    def test_vrfy_does_not_disclose(self):
        c = self.session()
        self.assertEqual(c.cmd("VRFY demo@example.test")[0], 252)
        self.assertEqual(c.cmd("VRFY nobody@example.test")[0], 252)


class DefaultLimitsTest(unittest.TestCase):
    def test_1001_pipelined_recipients(self):
        with Node() as node:
            node.add_user("demo@example.test", "pw")
            node.start()
            c = RawSmtp(node.ports["smtp"])
            c.reply()
            c.cmd("EHLO client.remote.example")
            # one pipelined group: MAIL, 1,001 RCPTs (the default limit is 1,000)
            c.send("MAIL FROM:<s@remote.example>\r\n" + "RCPT TO:<demo@example.test>\r\n" * 1001)
            self.assertEqual(c.reply()[0], 250)
            codes = [c.reply()[0] for _ in range(1001)]
            self.assertEqual(codes.count(250), 1000)
            self.assertEqual(codes[-1], 452)
            self.assertEqual(c.cmd("DATA")[0], 354)
            c.send(b"Subject: many\r\n\r\nx\r\n.\r\n")
            code, text = c.reply()
            self.assertEqual(code, 250, text)
            self.assertEqual(c.cmd("QUIT")[0], 221)
            c.close()
            node.stop()


class PregreetTest(unittest.TestCase):
    def test_talking_before_the_greeting_is_refused(self):
        with Node(extra_config='[smtp]\ngreet_pause = "1s"\n') as node:
            node.add_user("demo@example.test", "pw")
            node.start()
            early = RawSmtp(node.ports["smtp"])
            early.send("EHLO hasty.remote.example\r\n")  # before any greeting
            code, text = early.reply()
            self.assertEqual((code, text[4:9]), (554, "5.5.1"))
            self.assertTrue(early.closed())
            polite = RawSmtp(node.ports["smtp"])
            self.assertEqual(polite.reply()[0], 220)  # after the pause
            self.assertEqual(polite.cmd("QUIT")[0], 221)
            self.assertIn("PREGREET from unknown[127.0.0.1]", node.server_log())
            node.stop()


class DnsFailureTest(unittest.TestCase):
    def test_dns_failure_is_temporary(self):
        with Node() as node:
            silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers
            silent.bind(("127.0.0.1", 0))
            node.write_drop_in("45-dead-dns.toml",
                               f'[dns]\nforwarders = ["127.0.0.1@{silent.getsockname()[1]}"]\ntimeout = "1s"\n')
            node.start()
            with smtplib.SMTP("127.0.0.1", node.ports["smtp"], local_hostname="client.remote.example",
                              timeout=30) as s:
                s.ehlo()
                code, text = s.mail("someone@remote.example")
                self.assertEqual((code, text[:5]), (451, b"4.1.8"))
            silent.close()
            node.stop()


class LmtpTest(unittest.TestCase):
    def test_starttls_where_tls_is_not_offered(self):
        with Node() as node:
            node.start()
            c = RawSmtp(node.ports["lmtp"])  # the lmtp listener has tls = "none"
            c.reply()
            code, text = c.cmd("LHLO mta.example.test")
            self.assertNotIn("STARTTLS", text)
            code, text = c.cmd("STARTTLS")
            self.assertEqual((code, text[4:9]), (502, "5.5.1"))
            self.assertEqual(c.cmd("QUIT")[0], 221)
            node.stop()

    def test_lmtp_replies_per_recipient(self):
        with Node() as node:
            node.add_user("a@example.test", "pw")
            node.add_user("b@example.test", "pw")
            node.start()
            with smtplib.LMTP("127.0.0.1", node.ports["lmtp"], timeout=30) as l:
                l.ehlo("mta.example.test")
                self.assertEqual(l.mail("s@remote.example")[0], 250)
                self.assertEqual(l.rcpt("a@example.test")[0], 250)
                self.assertEqual(l.rcpt("ghost@example.test")[0], 550)
                self.assertEqual(l.rcpt("b@example.test")[0], 250)
                # RFC 2033: one reply per accepted recipient after DATA
                # (smtplib reads the first; the second is read by hand)
                code, text = l.data(MESSAGE)
                self.assertEqual(code, 250, text)
                self.assertIn(b"a@example.test", text)
                code, text = l.getreply()
                self.assertEqual(code, 250, text)
                self.assertIn(b"b@example.test", text)
            # LMTP delivers before it answers: no waiting
            self.assertEqual(len(mailbox_uids(node, "a@example.test")), 1)
            self.assertEqual(len(mailbox_uids(node, "b@example.test")), 1)
            node.stop()


if __name__ == "__main__":
    unittest.main()
