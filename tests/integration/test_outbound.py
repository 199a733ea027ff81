"""Outbound delivery through the queue: a message sent into Postino's mx for
an alias that forwards to another domain leaves through the outbound agent
to the peer found by MX in a private unbound, DKIM-signed (verified by
dkimpy, python3-dkim); a 4xx peer gets the message exactly once after a
retry driven by `postino queue flush`; a 5xx peer causes exactly one DSN in
the sender's mailbox; a dead peer with the queue clock moved forward (the
test-only [queue] test_clock_offset_file) causes a delay warning, then a
DSN after expiry; NOTIFY=NEVER and the null sender get no bounce.
Peers are aiosmtpd (python3-aiosmtpd) on 127.0.0.x with one free port."""
import email
import email.policy
import json
import os
import smtplib
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "smtp_client",
                                "integration"))

from harness import Node  # noqa: E402
from private_unbound import DEFAULT_RECORDS, PrivateUnbound  # noqa: E402
from smtp_helpers import fetch_bytes, mailbox_uids, wait_for_messages  # noqa: E402

try:
    import dkim
    from outbound_peers import AiosmtpdPeer, free_port
except ImportError as missing:  # not Debian's python3
    raise unittest.SkipTest(f"needs python3-dkim and python3-aiosmtpd: {missing}")

HOSTS = {"ok": "127.0.0.21", "flaky": "127.0.0.22", "reject": "127.0.0.23", "dead": "127.0.0.24"}
RECORDS = DEFAULT_RECORDS + [
    record for name, ip in HOSTS.items() for record in (
        f'local-data: "{name}.test. IN MX 10 mx.{name}.test."',
        f'local-data: "mx.{name}.test. IN A {ip}"')]


def message(sender, to, subject):
    return (f"From: Sender <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n"
            f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\nHello from {sender}.\r\n"
            ".a line with a leading dot\r\n").encode()


def wait_until(predicate, what, node, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n" + node.server_log()[-6000:])


def delivery_status(raw):
    """(the parsed DSN, its per-message fields, its per-recipient fields)."""
    dsn = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = dsn.get_payload()
    blocks = parts[1].get_payload()
    return dsn, blocks[0], blocks[1:]


class OutboundBase(unittest.TestCase):
    extra = ""
    extra_users = []

    @classmethod
    def setUpClass(cls):
        cls.port = free_port(list(HOSTS.values()))
        cls.node = Node(dns_records=RECORDS, extra_config=(
            "[outbound]\n"
            f"smtp_port = {cls.port}\n"
            'tls_policy = "may"\n'
            'connect_timeout = "5s"\n'
            "[queue]\n"
            'poll_interval = "1s"\n'
            'test_clock_offset_file = "clock"\n' + cls.extra))
        cls.clock_file = os.path.join(cls.node.dir, "clock")
        for user in ["s1", "s2", "s3", "s4", "s5", "s6", "s7"] + cls.extra_users:
            cls.node.add_user(f"{user}@example.test", "pw-" + user)
        for name in HOSTS:
            cls.node.cli("alias", "add", f"fwd-{name}@example.test", f"rcpt@{name}.test", check=True)
        out = cls.node.cli("-f", "json", "dkim", "generate", "example.test", "sel1", check=True)
        cls.dkim_key = json.loads(out.stdout)
        cls.peers = {name: AiosmtpdPeer(HOSTS[name], cls.port).start() for name in ["ok", "flaky", "reject"]}
        cls.peers["flaky"].rcpt_replies = {"rcpt@flaky.test": "451 4.3.0 Try again later"}
        cls.peers["reject"].rcpt_replies = {"rcpt@reject.test": "550 5.1.1 <rcpt@reject.test>: no such user"}
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        for peer in cls.peers.values():
            peer.stop()
        cls.node.cleanup()

    def send(self, sender, to, subject, rcpt_options=(), mail_options=()):
        """Sends into the mx; returns the queue id."""
        with smtplib.SMTP("127.0.0.1", self.node.ports["smtp"], local_hostname="client.remote.example",
                          timeout=30) as s:
            s.ehlo()
            code, _ = s.mail(sender, list(mail_options))
            self.assertEqual(code, 250)
            code, text = s.rcpt(to, list(rcpt_options))
            self.assertEqual(code, 250, text)
            code, text = s.data(message(sender or "nobody@example.test", to, subject))
            self.assertEqual(code, 250, text)
            return text.decode().rsplit(" ", 1)[-1]

    def queue_ids(self):
        out = self.node.cli("-f", "json", "queue", "list", check=True)
        return [m["id"] for m in json.loads(out.stdout)]

    def wait_gone(self, queue_id):
        # The "removed" line comes after every line about the message's last
        # outcomes and the DSNs they caused.
        wait_until(lambda: self.log_lines(queue_id + ": removed"), f"{queue_id} to leave the queue", self.node)
        self.assertNotIn(queue_id, self.queue_ids())

    def log_lines(self, *needles):
        return [line for line in self.node.server_log().splitlines() if all(n in line for n in needles)]


class OutboundTest(OutboundBase):
    def test_forward_arrives_via_mx_dkim_signed(self):
        queue_id = self.send("s1@example.test", "fwd-ok@example.test", "dkim test")
        peer = self.peers["ok"]
        wait_until(lambda: peer.messages, "the message at the peer", self.node)
        self.wait_gone(queue_id)
        self.assertEqual(len(peer.messages), 1)
        got = peer.messages[0]
        self.assertEqual(got["mail_from"], "s1@example.test")  # forwarding keeps the envelope sender
        self.assertEqual(got["rcpt_tos"], ["rcpt@ok.test"])
        content = got["content"]
        self.assertTrue(content.startswith(b"DKIM-Signature: "), content[:200])
        self.assertIn(b"d=example.test", content)
        self.assertIn(b"s=sel1", content)
        self.assertIn(b"\r\n.a line with a leading dot\r\n", content)

        name = self.dkim_key["dns_name"]
        record = self.dkim_key["dns_record"].encode()

        def dnsfunc(qname, timeout=5):
            qname = qname.decode() if isinstance(qname, bytes) else qname
            return record if qname.rstrip(".") == name else None

        self.assertTrue(dkim.verify(content, dnsfunc=dnsfunc), content[:600])
        # Tampering is detected: the verifier is really checking.
        self.assertFalse(dkim.verify(content.replace(b"Hello from", b"Hullo from"), dnsfunc=dnsfunc))
        lines = self.log_lines(queue_id + ": to=<rcpt@ok.test>", "status=sent")
        self.assertEqual(len(lines), 1, self.node.server_log()[-3000:])
        self.assertIn("orig_to=<fwd-ok@example.test>", lines[0])
        self.assertIn(f"relay=mx.ok.test[127.0.0.21]:{self.port}", lines[0])
        self.assertIn("dsn=2.0.0", lines[0])
        self.assertIn("postino/smtp", lines[0])

    def test_4xx_then_2xx_delivers_once_after_flush(self):
        peer = self.peers["flaky"]
        queue_id = self.send("s2@example.test", "fwd-flaky@example.test", "retry test")
        wait_until(lambda: self.log_lines(queue_id + ": to=<rcpt@flaky.test>", "status=deferred"),
                   "the deferral", self.node)
        self.assertEqual(peer.messages, [])
        self.assertIn(queue_id, self.queue_ids())
        line = self.log_lines(queue_id + ": to=<rcpt@flaky.test>", "status=deferred")[0]
        self.assertIn("dsn=4.3.0", line)
        self.assertIn("451 4.3.0 Try again later", line)
        # The next attempt is 5 minutes away: only a flush brings it now.
        peer.rcpt_replies = {}
        out = self.node.cli("queue", "flush")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.wait_gone(queue_id)
        self.assertEqual(len(peer.messages), 1)
        self.assertEqual(len(self.log_lines(queue_id + ": to=<rcpt@flaky.test>", "status=sent")), 1)
        self.assertEqual(mailbox_uids(self.node, "s2@example.test"), [])  # no DSN for a delay under 4h

    def test_5xx_bounces_once_to_the_sender(self):
        queue_id = self.send("s3@example.test", "fwd-reject@example.test", "bounce test")
        uids = wait_for_messages(self.node, "s3@example.test", 1)
        self.wait_gone(queue_id)
        wait_until(lambda: not self.queue_ids(), "the DSN to leave the queue", self.node)
        self.assertEqual(mailbox_uids(self.node, "s3@example.test"), uids)
        dsn, per_message, recipients = delivery_status(fetch_bytes(self.node, "s3@example.test", uids[0]))
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        self.assertEqual(dsn.get_param("report-type"), "delivery-status")
        self.assertTrue(dsn["From"].startswith("MAILER-DAEMON@"))
        self.assertEqual(per_message["X-Postino-Queue-ID"], queue_id)
        self.assertIn("dns;", per_message["Reporting-MTA"])
        self.assertEqual(len(recipients), 1)
        r = recipients[0]
        self.assertEqual(r["Final-Recipient"], "rfc822; rcpt@reject.test")
        self.assertEqual(r["Original-Recipient"], "rfc822; fwd-reject@example.test")
        self.assertEqual(r["Action"], "failed")
        self.assertEqual(r["Status"], "5.1.1")
        self.assertEqual(r["Remote-MTA"], "dns; mx.reject.test")
        self.assertEqual(r["Diagnostic-Code"], "smtp; 550 5.1.1 <rcpt@reject.test>: no such user")
        returned = dsn.get_payload()[2]
        self.assertEqual(returned.get_content_type(), "text/rfc822-headers")  # RET absent: headers only
        self.assertIn("Subject: bounce test", returned.get_payload())
        self.assertNotIn("Hello from", returned.get_payload())
        self.assertEqual(len(self.log_lines(queue_id + ": to=<rcpt@reject.test>", "status=bounced")), 1)
        self.assertEqual(len(self.log_lines(queue_id + ": sender non-delivery notification: ")), 1)

    def test_notify_never_gets_no_dsn(self):
        queue_id = self.send("s4@example.test", "fwd-reject@example.test", "never test", ["NOTIFY=NEVER"])
        wait_until(lambda: self.log_lines(queue_id + ": to=<rcpt@reject.test>", "status=bounced"),
                   "the bounce", self.node)
        self.wait_gone(queue_id)
        self.assertEqual(self.log_lines(queue_id + ": sender non-delivery notification"), [])
        self.assertEqual(mailbox_uids(self.node, "s4@example.test"), [])

    def test_null_sender_gets_no_bounce(self):
        queue_id = self.send("", "fwd-reject@example.test", "null sender test")
        wait_until(lambda: self.log_lines("double_bounce_dropped", queue_id), "the dropped double bounce",
                   self.node)
        self.wait_gone(queue_id)
        self.assertEqual(self.log_lines(queue_id + ": sender non-delivery notification"), [])
        self.assertEqual(self.log_lines(queue_id + ": postmaster non-delivery notification"), [])

    def test_notify_success_gets_a_relayed_notice(self):
        # aiosmtpd offers no DSN extension: the success notice is ours to send.
        queue_id = self.send("s6@example.test", "fwd-ok@example.test", "success notice test",
                             ["NOTIFY=SUCCESS,FAILURE"], ["ENVID=env-s6"])
        uids = wait_for_messages(self.node, "s6@example.test", 1)
        self.wait_gone(queue_id)
        dsn, per_message, recipients = delivery_status(fetch_bytes(self.node, "s6@example.test", uids[0]))
        self.assertEqual(dsn["Subject"], "Successful Mail Delivery Report")
        self.assertEqual(per_message["Original-Envelope-Id"], "env-s6")
        self.assertEqual([r["Action"] for r in recipients], ["relayed"])
        self.assertEqual(recipients[0]["Final-Recipient"], "rfc822; rcpt@ok.test")
        self.assertEqual(recipients[0]["Status"], "2.0.0")
        self.assertEqual(recipients[0]["Original-Recipient"], "rfc822; fwd-ok@example.test")
        # The alias itself reports nothing: it passed NOTIFY on (RFC 3461 6.2.7.3).
        wait_until(lambda: not self.queue_ids(), "an empty queue", self.node)
        self.assertEqual(mailbox_uids(self.node, "s6@example.test"), uids)

    def test_ret_full_returns_the_whole_message(self):
        queue_id = self.send("s7@example.test", "fwd-reject@example.test", "ret full test", (), ["RET=FULL"])
        uids = wait_for_messages(self.node, "s7@example.test", 1)
        self.wait_gone(queue_id)
        dsn, _, recipients = delivery_status(fetch_bytes(self.node, "s7@example.test", uids[0]))
        self.assertEqual(recipients[0]["Status"], "5.1.1")
        returned = dsn.get_payload()[2]
        self.assertEqual(returned.get_content_type(), "message/rfc822")
        original = returned.get_payload()[0]
        self.assertEqual(original["Subject"], "ret full test")
        self.assertIn("Hello from s7@example.test.", original.get_payload())


class ExpiryTest(OutboundBase):
    """The dead peer: nothing listens at mx.dead.test. Its own node, since it
    moves the queue clock; this node also has a postmaster."""
    extra_users = ["postmaster"]

    def test_bounce_that_fails_goes_to_the_postmaster_once(self):
        queue_id = self.send("", "fwd-reject@example.test", "double bounce test")
        uids = wait_for_messages(self.node, "postmaster@example.test", 1)
        self.wait_gone(queue_id)
        wait_until(lambda: not self.queue_ids(), "an empty queue", self.node)
        self.assertEqual(len(mailbox_uids(self.node, "postmaster@example.test")), 1)
        self.assertEqual(len(self.log_lines(queue_id + ": postmaster non-delivery notification: ")), 1)
        dsn, _, recipients = delivery_status(fetch_bytes(self.node, "postmaster@example.test", uids[0]))
        self.assertEqual(recipients[0]["Final-Recipient"], "rfc822; rcpt@reject.test")
        self.assertEqual(recipients[0]["Action"], "failed")

    def set_clock(self, seconds):
        with open(self.clock_file + ".tmp", "w") as f:
            f.write(str(seconds))
        os.replace(self.clock_file + ".tmp", self.clock_file)

    def test_dead_peer_delay_warning_then_dsn_after_expiry(self):
        queue_id = self.send("s5@example.test", "fwd-dead@example.test", "expiry test")
        deferred = queue_id + ": to=<rcpt@dead.test>"
        wait_until(lambda: self.log_lines(deferred, "status=deferred"), "the first deferral", self.node)
        self.assertIn("dsn=4.4.1", self.log_lines(deferred, "status=deferred")[0])

        # 5 hours later: retried on schedule (due long ago), still dead: one delay warning.
        self.set_clock(5 * 3600)
        uids = wait_for_messages(self.node, "s5@example.test", 1)
        self.assertGreaterEqual(len(self.log_lines(deferred, "status=deferred")), 2)
        dsn, _, recipients = delivery_status(fetch_bytes(self.node, "s5@example.test", uids[0]))
        self.assertIn("Delayed Mail", dsn["Subject"])
        self.assertEqual(recipients[0]["Action"], "delayed")
        self.assertTrue(recipients[0]["Status"].startswith("4.4."), recipients[0]["Status"])
        self.assertIn("Will-Retry-Until", recipients[0])
        self.assertIn(queue_id, self.queue_ids())

        # Past the 5-day lifetime: the next attempt fails for good.
        self.set_clock(6 * 86400)
        self.node.cli("queue", "flush", check=True)
        uids = wait_for_messages(self.node, "s5@example.test", 2)
        self.wait_gone(queue_id)
        self.assertEqual(len(self.log_lines(deferred, "status=expired")), 1)
        dsn, _, recipients = delivery_status(fetch_bytes(self.node, "s5@example.test", uids[1]))
        self.assertEqual(dsn["Subject"], "Undelivered Mail Returned to Sender")
        self.assertEqual(recipients[0]["Action"], "failed")
        self.assertTrue(recipients[0]["Status"].startswith("4.4."), recipients[0]["Status"])  # as Postfix
        self.assertIn("connect to", recipients[0]["Diagnostic-Code"])
        wait_until(lambda: not self.queue_ids(), "an empty queue", self.node)
        self.assertEqual(len(mailbox_uids(self.node, "s5@example.test")), 2)  # one warning, one bounce


if __name__ == "__main__":
    unittest.main()
