"""POP3 against a running node with Python's poplib and fetchmail: TLS
before any password (STLS on the plain port, implicit TLS on pop3s), CAPA
before and after TLS, USER/PASS and AUTH PLAIN, wrong passwords, STAT/LIST/
UIDL stable across sessions, TOP, RETR byte-identical to `postino fetch`
(byte-stuffed on the wire), DELE with QUIT, RSET and a dropped connection,
the maildrop lock, bad input, and fetchmail emptying a maildrop over TLS."""
import base64
import imaplib
import os
import poplib
import re
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import Node
from smtp_helpers import fetch_bytes, mailbox_uids, wait_for_messages

DOMAIN = "example.test"
LIMITS = """[pop3]
max_bad_commands = 4
max_auth_failures = 2
"""


def message(subject, body):
    return (f"From: Alice <alice@remote.example>\r\n"
            f"To: Demo <demo@{DOMAIN}>\r\n"
            f"Subject: {subject}\r\n"
            f"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@remote.example>\r\n"
            f"\r\n" + body).encode()


PLAIN = message("plain one", "first line\r\nsecond line\r\nthird line\r\n")
# Lines that begin with "." travel byte-stuffed (RFC 1939 3) and come back as sent.
DOTS = message("dots", ".hidden\r\n..two dots\r\n.\r\nafter a lone dot\r\n. space\r\n")
# Several 64 KiB chunks, with stuffed lines everywhere, chunk boundaries included.
BIG = message("big", "".join(f".{i:06d} {'x' * 90}\r\n" if i % 3 == 0 else f"line {i:06d} {'y' * 60}\r\n"
                             for i in range(4000)))


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def deliver(node, user, *messages):
    before = len(mailbox_uids(node, user))
    with smtplib.SMTP("127.0.0.1", node.ports["smtp"], local_hostname="client.remote.example", timeout=60) as s:
        for m in messages:
            s.sendmail("alice@remote.example", [user], m)
    return wait_for_messages(node, user, before + len(messages))


def wait_for_log_line(node, *parts, timeout=30.0):
    """Waits until one line of the server log holds every part (the
    harness's polling of the log file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(all(p in line for p in parts) for line in node.server_log().splitlines()):
            return
        time.sleep(0.05)
    raise AssertionError(f"no log line with {parts}\n" + node.server_log()[-3000:])


class RawPop3:
    """A byte-level POP3 client for the wire form and bad input."""

    def __init__(self, port, tls=False, timeout=30):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = tls_context().wrap_socket(sock) if tls else sock
        self.buf = b""
        self.greeting = self.line()

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed; got " + repr(self.buf))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def cmd(self, line):
        self.send(line + b"\r\n")
        return self.line()

    def multiline(self):
        """The raw body of a multi-line answer, still byte-stuffed, up to the
        terminating '.' line."""
        while b"\r\n.\r\n" not in b"\r\n" + self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed in a multi-line answer")
            self.buf += chunk
        data = b"\r\n" + self.buf
        end = data.index(b"\r\n.\r\n")
        self.buf = data[end + 5:]
        return data[2:end + 2]

    def closed(self):
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self):
        self.sock.close()


class Pop3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config=LIMITS)
        for user in ["demo", "dele", "rset", "drop", "lock", "fetch", "plainport"]:
            cls.node.add_user(f"{user}@{DOMAIN}", f"pw-{user}")
        cls.node.add_user(f"off@{DOMAIN}", "pw-off")
        cls.node.cli("user", "disable", f"off@{DOMAIN}", check=True)
        cls.node.start()
        cls.demo_uids = deliver(cls.node, f"demo@{DOMAIN}", PLAIN, DOTS, BIG)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def pop3s(self, user="demo", password=None):
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        pop.user(f"{user}@{DOMAIN}")
        pop.pass_(password or f"pw-{user}")
        return pop

    # -- TLS and authentication ----------------------------------------------
    def test_capa_and_stls_on_the_plain_port(self):
        pop = poplib.POP3("127.0.0.1", self.node.ports["pop3"], timeout=30)
        self.assertTrue(pop.getwelcome().startswith(b"+OK Postino POP3 ready"))
        self.assertNotIn(b"<", pop.getwelcome())  # no APOP timestamp
        caps = pop.capa()
        self.assertIn("STLS", caps)
        self.assertNotIn("USER", caps)
        self.assertNotIn("SASL", caps)
        for c in ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]:
            self.assertIn(c, caps)
        # RFC 2595: no password before TLS.
        with self.assertRaises(poplib.error_proto) as e:
            pop.user(f"demo@{DOMAIN}")
        self.assertIn(b"[AUTH]", e.exception.args[0])
        with self.assertRaises(poplib.error_proto) as e:
            pop._shortcmd("AUTH PLAIN " + base64.b64encode(f"\0demo@{DOMAIN}\0pw-demo".encode()).decode())
        self.assertIn(b"[AUTH]", e.exception.args[0])
        pop.stls(context=tls_context())
        caps = pop.capa()
        self.assertNotIn("STLS", caps)
        self.assertIn("USER", caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        with self.assertRaises(poplib.error_proto):
            pop._shortcmd("STLS")  # TLS is already active
        pop.user(f"plainport@{DOMAIN}")
        self.assertTrue(pop.pass_("pw-plainport").startswith(b"+OK"))
        self.assertEqual(pop.stat(), (0, 0))
        self.assertNotIn("USER", pop.capa())
        pop.quit()

    def test_capa_on_the_tls_port(self):
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        caps = pop.capa()
        self.assertNotIn("STLS", caps)
        self.assertIn("USER", caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        with self.assertRaises(poplib.error_proto):
            pop._shortcmd("STLS")
        pop.quit()

    def test_stls_discards_pipelined_plaintext(self):
        raw = RawPop3(self.node.ports["pop3"])
        # A command injected after STLS in the same packet must not run
        # after the handshake (CVE-2011-0411 pattern).
        raw.send(b"STLS\r\nUSER demo@" + DOMAIN.encode() + b"\r\n")
        self.assertTrue(raw.line().startswith(b"+OK"))
        raw.buf = b""
        raw.sock = tls_context().wrap_socket(raw.sock)
        # Had USER survived, PASS would be accepted; it must be refused.
        self.assertTrue(raw.cmd(b"PASS pw-demo").startswith(b"-ERR"))
        self.assertTrue(raw.cmd(b"QUIT").startswith(b"+OK"))
        raw.close()

    def test_wrong_password_and_too_many_failures(self):
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=60)
        pop.user(f"demo@{DOMAIN}")
        with self.assertRaises(poplib.error_proto) as e:
            pop.pass_("wrong")
        self.assertEqual(e.exception.args[0], b"-ERR [AUTH] Authentication failed.")
        # An unknown user gets the same answer; the second failure
        # (max_auth_failures = 2) ends the connection.
        pop.user(f"nobody@{DOMAIN}")
        with self.assertRaises(poplib.error_proto) as e:
            pop.pass_("wrong")
        self.assertEqual(e.exception.args[0], b"-ERR [AUTH] Authentication failed.")
        with self.assertRaises((poplib.error_proto, OSError, EOFError)):
            pop.noop()
        pop.close()
        wait_for_log_line(self.node, "postino/pop3-login: Aborted login (auth failed", f"user=<demo@{DOMAIN}>",
                          "method=PLAIN", "rip=127.0.0.1", "TLS")

    def test_disabled_account(self):
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        pop.user(f"off@{DOMAIN}")
        with self.assertRaises(poplib.error_proto) as e:
            pop.pass_("pw-off")
        self.assertTrue(e.exception.args[0].startswith(b"-ERR [AUTH]"), e.exception.args[0])
        pop.quit()

    def test_auth_plain_with_initial_response_and_after_a_challenge(self):
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        token = base64.b64encode(f"\0demo@{DOMAIN}\0pw-demo".encode()).decode()
        self.assertTrue(pop._shortcmd("AUTH PLAIN " + token).startswith(b"+OK"))
        self.assertEqual(pop.stat()[0], 3)
        pop.quit()
        # Without an initial response: an empty "+ " challenge first.
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        pop._putcmd("AUTH PLAIN")
        self.assertEqual(pop._getline()[0], b"+ ")
        pop._putcmd(token)
        self.assertTrue(pop._getresp().startswith(b"+OK"))
        self.assertEqual(pop.stat()[0], 3)
        pop.quit()
        # "*" cancels (RFC 5034 4); unknown mechanisms are refused.
        pop = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        pop._putcmd("AUTH PLAIN")
        pop._getline()
        pop._putcmd("*")
        with self.assertRaises(poplib.error_proto):
            pop._getresp()
        with self.assertRaises(poplib.error_proto):
            pop._shortcmd("AUTH CRAM-MD5")
        pop.quit()

    # -- the maildrop ------------------------------------------------------------
    def test_stat_list_uidl_stable_across_sessions(self):
        sizes = [len(fetch_bytes(self.node, f"demo@{DOMAIN}", uid)) for uid in self.demo_uids]
        seen = []
        for _ in range(2):
            pop = self.pop3s()
            self.assertEqual(pop.stat(), (3, sum(sizes)))
            resp, listing, _ = pop.list()
            self.assertEqual(listing, [f"{i + 1} {size}".encode() for i, size in enumerate(sizes)])
            self.assertEqual(pop.list(2), f"+OK 2 {sizes[1]}".encode())
            resp, uidls, _ = pop.uidl()
            self.assertEqual(len(uidls), 3)
            ids = [u.split(b" ", 1)[1] for u in uidls]
            self.assertEqual(len(set(ids)), 3)
            for uid_value, uid in zip(ids, self.demo_uids):
                self.assertRegex(uid_value.decode(), r"^\d+\." + str(uid) + "$")
            self.assertEqual(pop.uidl(3), b"+OK 3 " + ids[2])
            seen.append(ids)
            pop.quit()
        self.assertEqual(seen[0], seen[1])

    def test_retr_is_byte_identical_to_the_store(self):
        pop = self.pop3s()
        for number, uid in enumerate(self.demo_uids, start=1):
            stored = fetch_bytes(self.node, f"demo@{DOMAIN}", uid)
            resp, lines, octets = pop.retr(number)
            self.assertEqual(resp, f"+OK {len(stored)} octets".encode())
            self.assertEqual(b"\r\n".join(lines) + b"\r\n", stored)
            self.assertEqual(octets, len(stored))
        pop.rset()
        pop.quit()

    def test_wire_form_is_byte_stuffed(self):
        raw = RawPop3(self.node.ports["pop3s"], tls=True)
        self.assertTrue(raw.cmd(b"USER demo@" + DOMAIN.encode()).startswith(b"+OK"))
        self.assertTrue(raw.cmd(b"PASS pw-demo").startswith(b"+OK"))
        self.assertTrue(raw.cmd(b"RETR 2").startswith(b"+OK"))
        body = raw.multiline()
        stored = fetch_bytes(self.node, f"demo@{DOMAIN}", self.demo_uids[1])
        self.assertIn(b"\r\n..hidden\r\n...two dots\r\n..\r\nafter a lone dot\r\n.. space\r\n", body)
        self.assertEqual(body, re.sub(rb"(?m)^\.", b"..", stored))
        # Pipelined commands are all answered, in order.
        raw.send(b"NOOP\r\nSTAT\r\nLIST 9\r\nDELE 1\r\nRETR 1\r\nLIST 1\r\nRSET\r\nLIST 1\r\nQUIT\r\n")
        answers = [raw.line() for _ in range(9)]
        self.assertEqual(answers[0], b"+OK")
        self.assertTrue(answers[1].startswith(b"+OK 3 "))
        self.assertEqual(answers[2], b"-ERR No such message")
        self.assertTrue(answers[3].startswith(b"+OK"))
        self.assertTrue(answers[4].startswith(b"-ERR"))  # deleted messages are refused
        self.assertTrue(answers[5].startswith(b"-ERR"))
        self.assertTrue(answers[6].startswith(b"+OK"))
        self.assertTrue(answers[7].startswith(b"+OK 1 "))
        self.assertTrue(answers[8].startswith(b"+OK"))
        raw.close()
        self.assertEqual(mailbox_uids(self.node, f"demo@{DOMAIN}"), self.demo_uids)

    def test_top(self):
        pop = self.pop3s()
        stored = fetch_bytes(self.node, f"demo@{DOMAIN}", self.demo_uids[0])
        header, body = stored.split(b"\r\n\r\n", 1)
        resp, lines, _ = pop.top(1, 0)
        self.assertEqual(b"\r\n".join(lines), header + b"\r\n")
        resp, lines, _ = pop.top(1, 2)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", header + b"\r\n\r\nfirst line\r\nsecond line\r\n")
        resp, lines, _ = pop.top(1, 100)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", stored)
        # TOP of the big message stops early and is stuffed too.
        resp, lines, _ = pop.top(3, 4)
        self.assertEqual(lines[-4:], [b".000000 " + b"x" * 90, b"line 000001 " + b"y" * 60,
                                      b"line 000002 " + b"y" * 60, b".000003 " + b"x" * 90])
        with self.assertRaises(poplib.error_proto):
            pop.top(4, 0)
        with self.assertRaises(poplib.error_proto):
            pop._shortcmd("TOP 1 x")
        pop.quit()

    def test_dele_and_quit_remove_and_mark_seen(self):
        user = f"dele@{DOMAIN}"
        uids = deliver(self.node, user, PLAIN, DOTS, message("third", "3\r\n"))
        pop = self.pop3s("dele")
        pop.retr(3)
        self.assertTrue(pop.dele(1).startswith(b"+OK"))
        self.assertTrue(pop.dele(2).startswith(b"+OK"))
        with self.assertRaises(poplib.error_proto):
            pop.dele(2)
        self.assertEqual(pop.stat(), (1, len(fetch_bytes(self.node, user, uids[2]))))
        self.assertEqual(mailbox_uids(self.node, user), uids)  # nothing removed before QUIT
        self.assertTrue(pop.quit().startswith(b"+OK"))
        self.assertEqual(mailbox_uids(self.node, user), uids[2:])
        # The retrieved message is \Seen (as with Dovecot's POP3).
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.node.ports["imaps"], ssl_context=tls_context(), timeout=30)
        imap.login(user, "pw-dele")
        imap.select("INBOX", readonly=True)
        typ, data = imap.fetch("1", "(UID FLAGS)")
        self.assertIn(b"\\Seen", data[0])
        imap.logout()
        pop = self.pop3s("dele")
        self.assertEqual(pop.stat()[0], 1)
        self.assertEqual(pop.uidl(1).split(b" ")[2].split(b".")[1], str(uids[2]).encode())
        pop.quit()

    def test_dele_then_rset_keeps(self):
        user = f"rset@{DOMAIN}"
        uids = deliver(self.node, user, PLAIN, DOTS)
        pop = self.pop3s("rset")
        pop.dele(1)
        pop.dele(2)
        self.assertEqual(pop.stat(), (0, 0))
        self.assertTrue(pop.rset().startswith(b"+OK"))
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()
        self.assertEqual(mailbox_uids(self.node, user), uids)

    def test_dropped_connection_keeps_messages_and_releases_the_lock(self):
        user = f"drop@{DOMAIN}"
        uids = deliver(self.node, user, PLAIN, DOTS)
        pop = self.pop3s("drop")
        pop.dele(1)
        pop.dele(2)
        pop.close()  # no QUIT
        wait_for_log_line(self.node, "pop3_disconnected", f"user={user}")
        self.assertEqual(mailbox_uids(self.node, user), uids)
        pop = self.pop3s("drop")  # the lock went with the connection
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()

    def test_second_session_gets_in_use(self):
        first = self.pop3s("lock")
        second = poplib.POP3_SSL("127.0.0.1", self.node.ports["pop3s"], context=tls_context(), timeout=30)
        second.user(f"lock@{DOMAIN}")
        with self.assertRaises(poplib.error_proto) as e:
            second.pass_("pw-lock")
        self.assertEqual(e.exception.args[0], b"-ERR [IN-USE] Mailbox is locked by another POP3 session")
        # Still in AUTHORIZATION: AUTH PLAIN also meets the lock.
        token = base64.b64encode(f"\0lock@{DOMAIN}\0pw-lock".encode()).decode()
        with self.assertRaises(poplib.error_proto) as e:
            second._shortcmd("AUTH PLAIN " + token)
        self.assertIn(b"[IN-USE]", e.exception.args[0])
        first.quit()
        self.assertTrue(second._shortcmd("AUTH PLAIN " + token).startswith(b"+OK"))
        second.quit()

    def test_bad_input(self):
        raw = RawPop3(self.node.ports["pop3s"], tls=True)
        self.assertEqual(raw.cmd(b"HELO"), b"-ERR Unknown command")
        self.assertEqual(raw.cmd(b"STAT"), b"-ERR Not logged in")
        self.assertEqual(raw.cmd(b"X" * 10000), b"-ERR Line too long")
        # max_bad_commands = 4: the fourth closes the connection.
        self.assertTrue(raw.cmd(b"RETR 1").startswith(b"-ERR"))
        self.assertTrue(raw.closed())
        raw.close()
        raw = RawPop3(self.node.ports["pop3s"], tls=True)
        raw.cmd(b"USER demo@" + DOMAIN.encode())
        raw.cmd(b"PASS pw-demo")
        self.assertEqual(raw.cmd(b"RETR x"), b"-ERR Invalid message number")
        self.assertEqual(raw.cmd(b"USER demo"), b"-ERR Command not allowed in the TRANSACTION state")
        self.assertTrue(raw.cmd(b"RETR 99").startswith(b"-ERR"))
        self.assertTrue(raw.cmd(b"QUIT").startswith(b"+OK"))
        raw.close()

    # -- fetchmail -------------------------------------------------------------
    def run_fetchmail(self, home, user, port, *options, host="127.0.0.1"):
        rc = os.path.join(home, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f'poll {host} service {port} protocol pop3 auth password\n'
                    f'  user "{user}" password "pw-{user.split("@")[0]}" is "someone" here\n')
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=home, FETCHMAILHOME=home)
        return subprocess.run(["fetchmail", "-f", rc, "--nodetach", "--nosyslog", "--invisible", "--norewrite",
                               "--pidfile", os.path.join(home, "fetchmail.pid"), *options],
                              env=env, capture_output=True, text=True, timeout=120)

    def test_fetchmail_over_tls_empties_the_maildrop(self):
        user = f"fetch@{DOMAIN}"
        deliver(self.node, user, PLAIN, DOTS, BIG)
        with tempfile.TemporaryDirectory(prefix="fetchmail-") as home:
            out_file = os.path.join(home, "mbox")
            cert = os.path.join(self.node.dir, "tls", "cert.pem")
            # First a --keep pass on the plain port: fetchmail upgrades with STLS.
            out = self.run_fetchmail(home, user, self.node.ports["pop3"], "--sslproto", "tls1.2+", "--nosslcertck",
                                     "--keep", "--all", "--mda", f"cat >> {out_file}")
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr + self.node.server_log()[-3000:])
            self.assertIn("3 messages", out.stdout + out.stderr)
            self.assertEqual(len(mailbox_uids(self.node, user)), 3)
            # Then implicit TLS on pop3s, checking our certificate, --nokeep.
            os.remove(out_file)
            # Then implicit TLS on pop3s, checking our certificate (its names are
            # the node's hostname and localhost), --nokeep --all.
            out = self.run_fetchmail(home, user, self.node.ports["pop3s"], "--ssl", "--sslcertck",
                                     "--sslcertfile", cert, "--nokeep", "--all", "--mda", f"cat >> {out_file}",
                                     host="localhost")
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr + self.node.server_log()[-3000:])
            with open(out_file, "rb") as f:
                fetched = f.read()
        self.assertIn(b"Subject: plain one", fetched)
        self.assertIn(b"\n.hidden\n..two dots\n.\nafter a lone dot\n", fetched.replace(b"\r\n", b"\n"))
        self.assertIn(b".003999 " + b"x" * 90, fetched)
        self.assertEqual(mailbox_uids(self.node, user), [])


if __name__ == "__main__":
    unittest.main()
