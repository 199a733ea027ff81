"""Postino's outbound SMTP client (smtp_client_tool) against real peers:
aiosmtpd, Postfix's smtp-sink and a private Postfix smtpd, with MX routing
through a private unbound serving a test zone whose MX records point at
127.0.0.x addresses. Each peer listens on a free port, passed as --port."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from outbound_peers import (AiosmtpdPeer, PipeliningProbe, SilentPeer, SmtpSink, free_port,
                            make_certificates)
from private_postfix import PrivatePostfix
from private_postfix import available as postfix_available
from private_unbound import PrivateUnbound

TOOL = os.environ.get("SMTP_CLIENT_TOOL", "smtp_client_tool")

ZONE = [
    'local-zone: "test." static',
    'local-data: "pref.test. IN MX 20 mx2.pref.test."',
    'local-data: "pref.test. IN MX 10 mx1.pref.test."',
    'local-data: "mx1.pref.test. IN A 127.0.0.2"',
    'local-data: "mx2.pref.test. IN A 127.0.0.3"',
    'local-data: "fallback.test. IN MX 10 mx1.fallback.test."',
    'local-data: "fallback.test. IN MX 20 mx2.fallback.test."',
    'local-data: "mx1.fallback.test. IN A 127.0.0.4"',
    'local-data: "mx2.fallback.test. IN A 127.0.0.5"',
    'local-data: "implicit.test. IN A 127.0.0.6"',
    'local-data: "nullmx.test. IN MX 0 ."',
    'local-data: "tls.test. IN MX 10 mx.tls.test."',
    'local-data: "mx.tls.test. IN A 127.0.0.7"',
    'local-data: "peer.test. IN MX 10 mx.peer.test."',
    'local-data: "mx.peer.test. IN A 127.0.0.8"',
    'local-data: "sink.test. IN MX 10 mx.sink.test."',
    'local-data: "mx.sink.test. IN A 127.0.0.9"',
    'local-data: "probe.test. IN MX 10 mx.probe.test."',
    'local-data: "mx.probe.test. IN A 127.0.0.10"',
    'local-data: "dead.test. IN MX 10 mx.dead.test."',
    'local-data: "mx.dead.test. IN A 127.0.0.11"',
]

MESSAGE = (b"From: sender@origin.test\r\nTo: rcpt@peer.test\r\nSubject: outbound test\r\n"
           b"Message-ID: <1@origin.test>\r\n\r\nHello.\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n")

dns = None


def setUpModule():
    global dns
    if not PrivateUnbound.available():
        raise unittest.SkipTest("unbound not installed")
    dns = PrivateUnbound(ZONE).start()


def tearDownModule():
    if dns:
        dns.stop()


class OutboundTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="postino-outbound-")
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def message_file(self, data=MESSAGE):
        path = os.path.join(self.dir, "message.eml")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def send(self, recipients, *args, port=None, message=MESSAGE, timeout="10s"):
        """Runs the tool; returns (list of outcome lists per message, stats)."""
        cmd = [TOOL, "--dns", dns.forwarder, "--message", self.message_file(message),
               "--from", "sender@origin.test", "--timeout", timeout, "--connect-timeout", timeout]
        if port is not None:
            cmd += ["--port", str(port)]
        for r in recipients:
            cmd += ["--to", r]
        cmd += list(args)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        messages = [line["outcomes"] for line in lines if "outcomes" in line]
        stats = next(line["stats"] for line in lines if "stats" in line)
        return messages, stats

    def one(self, recipients, *args, **kwargs):
        messages, _ = self.send(recipients, *args, **kwargs)
        self.assertEqual(len(messages), 1)
        return {o["recipient"]: o for o in messages[0]}

    # -- routing ------------------------------------------------------------
    def test_mx_preference(self):
        port = free_port(["127.0.0.2", "127.0.0.3"])
        with AiosmtpdPeer("127.0.0.2", port) as best, AiosmtpdPeer("127.0.0.3", port) as second:
            out = self.one(["a@pref.test"], port=port)
        self.assertEqual(out["a@pref.test"]["status"], "sent", out)
        self.assertEqual(out["a@pref.test"]["relay"], f"mx1.pref.test[127.0.0.2]:{port}")
        self.assertEqual(len(best.messages), 1)
        self.assertEqual(second.messages, [])

    def test_second_mx_when_the_first_refuses_connections(self):
        port = free_port(["127.0.0.4", "127.0.0.5"])
        with AiosmtpdPeer("127.0.0.5", port) as second:  # nothing listens on 127.0.0.4
            out = self.one(["a@fallback.test"], port=port)
        self.assertEqual(out["a@fallback.test"]["status"], "sent", out)
        self.assertIn("127.0.0.5", out["a@fallback.test"]["relay"])
        self.assertEqual(len(second.messages), 1)

    def test_implicit_mx(self):
        port = free_port(["127.0.0.6"])
        with AiosmtpdPeer("127.0.0.6", port) as peer:
            out = self.one(["a@implicit.test"], port=port)
        self.assertEqual(out["a@implicit.test"]["status"], "sent", out)
        self.assertEqual(peer.messages[0]["rcpt_tos"], ["a@implicit.test"])

    def test_null_mx_and_nxdomain_bounce_without_connecting(self):
        out = self.one(["a@nullmx.test", "b@nosuch.test"], port=free_port(["127.0.0.1"]))
        self.assertEqual(out["a@nullmx.test"]["status"], "bounced")
        self.assertEqual(out["a@nullmx.test"]["enhanced"], "5.1.10")
        self.assertIn("nullMX", out["a@nullmx.test"]["text"])
        self.assertEqual(out["b@nosuch.test"]["status"], "bounced")
        self.assertEqual(out["b@nosuch.test"]["enhanced"], "5.1.2")

    def test_transport_map_sends_one_address_elsewhere(self):
        port = free_port(["127.0.0.8", "127.0.0.6"])
        with AiosmtpdPeer("127.0.0.8", port) as usual, AiosmtpdPeer("127.0.0.6", port) as hosted:
            out = self.one(["stays@peer.test", "moved@peer.test"], "--transport",
                           f"moved@peer.test=[127.0.0.6]:{port}", port=port)
        self.assertEqual({o["status"] for o in out.values()}, {"sent"}, out)
        self.assertEqual(usual.messages[0]["rcpt_tos"], ["stays@peer.test"])
        self.assertEqual(hosted.messages[0]["rcpt_tos"], ["moved@peer.test"])

    # -- replies ------------------------------------------------------------
    def test_per_recipient_replies(self):
        port = free_port(["127.0.0.8"])
        replies = {"busy@peer.test": "450 4.2.1 Mailbox busy, try later",
                   "gone@peer.test": "550 5.1.1 No such user here"}
        with AiosmtpdPeer("127.0.0.8", port, rcpt_replies=replies) as peer:
            out = self.one(["ok@peer.test", "busy@peer.test", "gone@peer.test"], port=port)
        self.assertEqual(out["ok@peer.test"]["status"], "sent")
        self.assertEqual(out["ok@peer.test"]["code"], 250)
        self.assertEqual(out["busy@peer.test"]["status"], "deferred")
        self.assertEqual(out["busy@peer.test"]["code"], 450)
        self.assertEqual(out["busy@peer.test"]["enhanced"], "4.2.1")
        self.assertIn("Mailbox busy, try later (in reply to RCPT TO command)", out["busy@peer.test"]["text"])
        self.assertEqual(out["gone@peer.test"]["status"], "bounced")
        self.assertEqual(out["gone@peer.test"]["enhanced"], "5.1.1")
        self.assertEqual(len(peer.messages), 1)
        self.assertEqual(peer.messages[0]["rcpt_tos"], ["ok@peer.test"])
        # aiosmtpd removes the dot-stuffing: the bytes are the original ones.
        self.assertEqual(peer.messages[0]["content"], MESSAGE)
        self.assertFalse(peer.messages[0]["tls"])  # --tls-policy may, peer without STARTTLS

    def test_no_command_injection_through_an_address(self):
        port = free_port(["127.0.0.8"])
        evil = "x@peer.test>\r\nRCPT TO:<injected@peer.test"
        with AiosmtpdPeer("127.0.0.8", port) as peer:
            out = self.one(["ok@peer.test", evil], port=port)
        self.assertEqual(out["ok@peer.test"]["status"], "sent")
        self.assertEqual(out[evil]["status"], "bounced")
        self.assertEqual(out[evil]["enhanced"], "5.1.3")
        self.assertEqual(peer.messages[0]["rcpt_tos"], ["ok@peer.test"])

    def test_5xx_after_data_applies_to_every_accepted_recipient(self):
        port = free_port(["127.0.0.8"])
        with AiosmtpdPeer("127.0.0.8", port, data_reply="554 5.7.1 Message content rejected"):
            out = self.one(["a@peer.test", "b@peer.test"], port=port)
        for r in ("a@peer.test", "b@peer.test"):
            self.assertEqual(out[r]["status"], "bounced")
            self.assertEqual(out[r]["code"], 554)
            self.assertIn("(in reply to end of DATA command)", out[r]["text"])

    def test_too_many_recipients_go_in_further_transactions(self):
        # RFC 5321 4.5.3.1.10: a 452 after some recipients were accepted
        # means "send the rest in another transaction", not "retry later".
        port = free_port(["127.0.0.8"])
        rcpts = ["r%d@peer.test" % i for i in range(7)]
        with AiosmtpdPeer("127.0.0.8", port, max_recipients=3,
                          rcpt_replies={"r5@peer.test": "450 4.2.1 Mailbox busy"}) as peer:
            out = self.one(rcpts, port=port)
        self.assertEqual([len(m["rcpt_tos"]) for m in peer.messages], [3, 3])
        self.assertEqual(sorted(r for m in peer.messages for r in m["rcpt_tos"]),
                         sorted(r for r in rcpts if r != "r5@peer.test"))
        self.assertEqual(len(peer.connections), 1)
        for r in rcpts:
            want = "deferred" if r == "r5@peer.test" else "sent"
            self.assertEqual(out[r]["status"], want, out[r])
        self.assertEqual(out["r5@peer.test"]["code"], 450)

    def test_too_many_recipients_without_progress_is_deferred(self):
        # A peer that takes no recipient at all: nothing to split, retry later.
        port = free_port(["127.0.0.8"])
        replies = {r: "452 4.5.3 Error: too many recipients" for r in ("a@peer.test", "b@peer.test")}
        with AiosmtpdPeer("127.0.0.8", port, rcpt_replies=replies) as peer:
            out = self.one(["a@peer.test", "b@peer.test"], port=port)
        self.assertEqual({o["status"] for o in out.values()}, {"deferred"})
        self.assertEqual(peer.messages, [])

    def test_connection_reuse_for_two_messages(self):
        port = free_port(["127.0.0.8"])
        with AiosmtpdPeer("127.0.0.8", port) as peer:
            messages, stats = self.send(["a@peer.test"], "--repeat", "2", port=port)
        self.assertEqual([m[0]["status"] for m in messages], ["sent", "sent"])
        self.assertEqual(stats["connections_opened"], 1)
        self.assertEqual(stats["connections_reused"], 1)
        self.assertEqual(len(peer.messages), 2)
        self.assertEqual(len(peer.connections), 1)

    def test_concurrency_limit_per_destination(self):
        port = free_port(["127.0.0.8"])
        with AiosmtpdPeer("127.0.0.8", port) as peer:
            messages, stats = self.send(["a@peer.test"], "--parallel", "4", "--repeat", "2",
                                        "--max-per-destination", "1", port=port)
        self.assertEqual(len(messages), 8)
        self.assertEqual({m[0]["status"] for m in messages}, {"sent"})
        self.assertEqual(len(peer.messages), 8)
        # One connection at a time, handed from one delivery to the next.
        self.assertEqual(peer.max_active, 1)
        self.assertEqual(stats["connections_opened"], 1)
        self.assertEqual(stats["connections_reused"], 7)

    def test_dead_peer_times_out(self):
        port = free_port(["127.0.0.11"])
        with SilentPeer("127.0.0.11", port):
            out = self.one(["a@dead.test"], port=port, timeout="1s")
        self.assertEqual(out["a@dead.test"]["status"], "deferred")
        self.assertEqual(out["a@dead.test"]["enhanced"], "4.4.2")
        self.assertIn("timed out while receiving the initial server greeting", out["a@dead.test"]["text"])

    def test_smtputf8_needs_a_peer_that_offers_it(self):
        port = free_port(["127.0.0.8"])
        with AiosmtpdPeer("127.0.0.8", port, smtputf8=False) as peer:
            out = self.one(["a@peer.test"], "--smtputf8", port=port)
        self.assertEqual(out["a@peer.test"]["status"], "bounced")
        self.assertEqual(out["a@peer.test"]["enhanced"], "5.6.7")
        self.assertEqual(peer.messages, [])
        with AiosmtpdPeer("127.0.0.8", port, smtputf8=True) as peer:
            out = self.one(["a@peer.test"], "--smtputf8", port=port)
        self.assertEqual(out["a@peer.test"]["status"], "sent")
        self.assertIn("SMTPUTF8", peer.messages[0]["mail_options"])

    # -- TLS and AUTH -------------------------------------------------------
    def certificates(self):
        certs = os.path.join(self.dir, "certs")
        os.makedirs(certs)
        return make_certificates(certs, "mx.tls.test")

    def test_starttls_may_encrypt_verify(self):
        certs = self.certificates()
        port = free_port(["127.0.0.7"])
        with AiosmtpdPeer("127.0.0.7", port, tls_cert=certs["self"]) as peer:
            may = self.one(["a@tls.test"], "--tls-policy", "may", port=port)
            encrypt = self.one(["a@tls.test"], "--tls-policy", "encrypt", port=port)
            verify = self.one(["a@tls.test"], "--tls-policy", "verify", "--ca-file", certs["ca"], port=port)
        self.assertEqual(may["a@tls.test"]["status"], "sent")
        self.assertTrue(may["a@tls.test"]["tls"])
        self.assertEqual(encrypt["a@tls.test"]["status"], "sent")
        self.assertTrue(encrypt["a@tls.test"]["tls"])
        # A self-signed certificate does not verify against the test CA.
        self.assertEqual(verify["a@tls.test"]["status"], "deferred")
        self.assertEqual(verify["a@tls.test"]["enhanced"], "4.7.5")
        self.assertEqual([m["tls"] for m in peer.messages], [True, True])

        with AiosmtpdPeer("127.0.0.7", port, tls_cert=certs["server"]) as peer:
            verify = self.one(["a@tls.test"], "--tls-policy", "verify", "--ca-file", certs["ca"], port=port)
            # The name checked is the MX host name: a next hop by IP has none to match.
            wrong = self.one(["a@tls.test"], "--tls-policy", "verify", "--ca-file", certs["ca"],
                             "--relayhost", f"[127.0.0.7]:{port}")
        self.assertEqual(verify["a@tls.test"]["status"], "sent", verify)
        self.assertTrue(verify["a@tls.test"]["tls"])
        self.assertEqual(wrong["a@tls.test"]["status"], "deferred")
        self.assertEqual(wrong["a@tls.test"]["enhanced"], "4.7.5")
        self.assertEqual(len(peer.messages), 1)
        self.assertTrue(peer.messages[0]["tls"])

        with AiosmtpdPeer("127.0.0.7", port) as plain:  # no STARTTLS offered
            out = self.one(["a@tls.test"], "--tls-policy", "encrypt", port=port)
            none = self.one(["a@tls.test"], "--domain-tls", "tls.test=none", "--tls-policy", "encrypt", port=port)
        self.assertEqual(out["a@tls.test"]["status"], "deferred")
        self.assertEqual(out["a@tls.test"]["enhanced"], "4.7.4")
        self.assertEqual(none["a@tls.test"]["status"], "sent")
        self.assertEqual(len(plain.messages), 1)

    def test_may_retries_in_plaintext_after_a_failed_handshake(self):
        certs = self.certificates()
        port = free_port(["127.0.0.7"])
        with AiosmtpdPeer("127.0.0.7", port, tls_cert=certs["self"], tls_broken=True) as peer:
            may = self.one(["a@tls.test"], "--tls-policy", "may", port=port)
            encrypt = self.one(["a@tls.test"], "--tls-policy", "encrypt", port=port)
        self.assertEqual(may["a@tls.test"]["status"], "sent", may)
        self.assertFalse(may["a@tls.test"]["tls"])
        self.assertEqual(encrypt["a@tls.test"]["status"], "deferred")
        self.assertEqual(encrypt["a@tls.test"]["enhanced"], "4.7.0")
        self.assertIn("TLS handshake", encrypt["a@tls.test"]["text"])
        self.assertEqual(len(peer.messages), 1)
        self.assertEqual(len(peer.connections), 3)  # may: TLS try + plaintext; encrypt: one

    def test_relayhost_with_auth_over_starttls(self):
        certs = self.certificates()
        port = free_port(["127.0.0.7"])
        with AiosmtpdPeer("127.0.0.7", port, tls_cert=certs["self"], credentials=("relayuser", "s3cret")) as peer:
            good = self.one(["far@elsewhere.example"], "--relayhost", f"[127.0.0.7]:{port}",
                            "--auth", "relayuser:s3cret", "--tls-policy", "encrypt")
            bad = self.one(["far@elsewhere.example"], "--relayhost", f"[127.0.0.7]:{port}",
                           "--auth", "relayuser:wrong", "--tls-policy", "encrypt")
        self.assertEqual(good["far@elsewhere.example"]["status"], "sent", good)
        self.assertEqual(peer.messages[0]["auth"], b"relayuser")
        self.assertEqual(bad["far@elsewhere.example"]["status"], "deferred")
        self.assertIn("SASL authentication failed", bad["far@elsewhere.example"]["text"])
        self.assertEqual(len(peer.messages), 1)
        self.assertEqual([a[1] for a in peer.auth_attempts], ["relayuser", "relayuser"])

    # -- pipelining, smtp-sink ----------------------------------------------
    def test_pipelining_sends_mail_rcpt_and_data_in_one_group(self):
        port = free_port(["127.0.0.10"])
        with PipeliningProbe("127.0.0.10", port) as probe:
            out = self.one(["a@probe.test", "b@probe.test"], port=port, timeout="5s")
        self.assertEqual({o["status"] for o in out.values()}, {"sent"}, out)
        self.assertEqual([c.split(":")[0] for c in probe.commands_before_reply],
                         ["MAIL FROM", "RCPT TO", "RCPT TO", "DATA"])

    @unittest.skipUnless(SmtpSink.available(), "smtp-sink (postfix) not installed")
    def test_smtp_sink_pipelined_with_dsn_parameters(self):
        port = free_port(["127.0.0.9"])
        sink_dir = os.path.join(self.dir, "sink")
        os.makedirs(sink_dir)
        with SmtpSink("127.0.0.9", port, sink_dir) as sink:
            out = self.one(["a@sink.test", "b@sink.test"], "--notify", "success,failure", "--envid", "id+1",
                           "--ret", "hdrs", "--body", "8bitmime", port=port)
            dumps = sink.dumps()
        self.assertEqual({o["status"] for o in out.values()}, {"sent"}, out)
        self.assertEqual(len(dumps), 1)
        # smtp-sink offers DSN and 8BITMIME but not SIZE; its dump has LF
        # line endings and the message un-dot-stuffed.
        self.assertIn(b"X-Mail-Args: <sender@origin.test> BODY=8BITMIME RET=HDRS ENVID=id+2B1\n", dumps[0])
        self.assertIn(b"X-Rcpt-Args: <a@sink.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@sink.test\n", dumps[0])
        self.assertIn(b"X-Rcpt-Args: <b@sink.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@sink.test\n", dumps[0])
        self.assertTrue(dumps[0].endswith(b"\n\nHello.\n.leading dot\n..two dots\n.\nend\n\n"), dumps[0])

    @unittest.skipUnless(SmtpSink.available(), "smtp-sink (postfix) not installed")
    def test_peer_without_8bitmime(self):
        port = free_port(["127.0.0.9"])
        sink_dir = os.path.join(self.dir, "sink")
        os.makedirs(sink_dir)
        eight_bit = MESSAGE.replace(b"Hello.", "Grüße.".encode())
        with SmtpSink("127.0.0.9", port, sink_dir, flags=["-8"]) as sink:
            needs = self.one(["a@sink.test"], "--body", "8bitmime", port=port, message=eight_bit)
            clean = self.one(["a@sink.test"], "--body", "8bitmime", port=port)
            dumps = sink.dumps()
        self.assertEqual(needs["a@sink.test"]["status"], "bounced")
        self.assertEqual(needs["a@sink.test"]["enhanced"], "5.6.3")
        self.assertIn("needs 8BITMIME", needs["a@sink.test"]["text"])
        # Declared 8BITMIME but 7-bit clean: sent as it is, without BODY=.
        self.assertEqual(clean["a@sink.test"]["status"], "sent")
        self.assertEqual(len(dumps), 1)
        self.assertNotIn(b"BODY=", dumps[0])

    # -- a private Postfix smtpd: STARTTLS, PIPELINING, CHUNKING ----------
    @unittest.skipUnless(postfix_available(), "postfix not installed or not root")
    def test_private_postfix_with_and_without_starttls(self):
        certs = self.certificates()
        tls_main = ("smtpd_tls_security_level = may\n"
                    f"smtpd_tls_cert_file = {certs['server'][0]}\n"
                    f"smtpd_tls_key_file = {certs['server'][1]}\n"
                    "smtpd_tls_loglevel = 1\n")
        with PrivatePostfix(relay_transport="discard:sink", extra_main=tls_main) as pf:
            pf.start()
            hop = f"[127.0.0.1]:{pf.port}"
            bdat = self.one(["x@example.test", "y@example.test"], "--relayhost", hop, "--tls-policy", "encrypt")
            data = self.one(["z@example.test"], "--relayhost", hop, "--tls-policy", "none", "--no-chunking")
            log = self.wait_for(pf, "to=<z@example.test>")
            log = self.wait_for(pf, "data=1")
        for r in ("x@example.test", "y@example.test"):
            self.assertEqual(bdat[r]["status"], "sent", bdat)
            self.assertTrue(bdat[r]["tls"])
        self.assertEqual(data["z@example.test"]["status"], "sent", data)
        self.assertFalse(data["z@example.test"]["tls"])
        self.assertIn("TLS connection established from", log)
        # smtpd's per-session command counts: BDAT over TLS, then DATA in plaintext.
        self.assertRegex(log, r"disconnect from \S+ ehlo=2 starttls=1 mail=1 rcpt=2 bdat=1 quit=1 commands=8")
        self.assertRegex(log, r"disconnect from \S+ ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5")
        for r in ("x@example.test", "y@example.test", "z@example.test"):
            self.assertRegex(log, rf"postfix/discard\[\d+\]: \w+: to=<{r}>.*status=sent")

    def wait_for(self, pf, text, timeout=60.0):
        import time
        deadline = time.monotonic() + timeout
        while text not in pf.log():
            if time.monotonic() > deadline:
                self.fail(f"no '{text}' in the Postfix log:\n{pf.log()}")
            time.sleep(0.1)
        return pf.log()


if __name__ == "__main__":
    unittest.main()
