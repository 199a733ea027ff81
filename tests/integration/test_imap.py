"""IMAP with Python's imaplib against a running node: TLS before any
password, the mailbox life cycle, messages delivered over SMTP and APPENDed,
FETCH items, flags with modseqs, COPY/MOVE with UIDPLUS, SEARCH, IDLE and
changes seen across sessions, quota, limits and bad input."""
import imaplib
import re
import smtplib
import socket
import threading
import time
import unittest

from harness import Node
from imap_helpers import tls_context, report_message
from smtp_helpers import wait_for_messages

MESSAGE = report_message(b"Demo <demo@example.test>", b"m1@remote.example", preamble=b"preamble\r\n")

LIMITS = """[imap]
max_append_size = "100K"
max_bad_commands = 5
"""


class ImapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config=LIMITS)
        cls.node.add_user("demo@example.test", "pw-demo")
        cls.node.add_user("small@example.test", "pw-small", "--quota", "2K")
        cls.node.add_user("off@example.test", "pw-off")
        cls.node.cli("user", "disable", "off@example.test", check=True)
        cls.node.start()
        with smtplib.SMTP("127.0.0.1", cls.node.ports["smtp"], local_hostname="client.remote.example") as s:
            s.sendmail("alice@remote.example", ["demo@example.test"], MESSAGE)
        wait_for_messages(cls.node, "demo@example.test", 1)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def login(self, user="demo@example.test", password="pw-demo"):
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.node.ports["imaps"], ssl_context=tls_context(), timeout=30)
        imap.login(user, password)
        return imap

    # -- TLS and authentication ----------------------------------------------
    def test_plain_port_requires_starttls_before_login(self):
        imap = imaplib.IMAP4("127.0.0.1", self.node.ports["imap"], timeout=30)
        self.assertIn("LOGINDISABLED", imap.capabilities)
        self.assertIn("STARTTLS", imap.capabilities)
        with self.assertRaises(imaplib.IMAP4.error) as e:
            imap.login("demo@example.test", "pw-demo")
        self.assertIn("PRIVACYREQUIRED", str(e.exception))
        imap.starttls(ssl_context=tls_context())
        self.assertNotIn("LOGINDISABLED", imap.capabilities)
        self.assertIn("AUTH=PLAIN", imap.capabilities)
        typ, data = imap.login("demo@example.test", "pw-demo")
        self.assertEqual(typ, "OK")
        imap.logout()

    def test_wrong_password_and_disabled_account(self):
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.node.ports["imaps"], ssl_context=tls_context(), timeout=30)
        with self.assertRaises(imaplib.IMAP4.error) as e:
            imap.login("demo@example.test", "wrong")
        self.assertIn("AUTHENTICATIONFAILED", str(e.exception))
        with self.assertRaises(imaplib.IMAP4.error) as e:
            imap.login("nobody@example.test", "wrong")
        self.assertIn("AUTHENTICATIONFAILED", str(e.exception))
        imap.shutdown()
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.node.ports["imaps"], ssl_context=tls_context(), timeout=30)
        with self.assertRaises(imaplib.IMAP4.error) as e:
            imap.login("off@example.test", "pw-off")
        self.assertIn("CONTACTADMIN", str(e.exception))
        imap.shutdown()

    def test_authenticate_plain_with_initial_response(self):
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.node.ports["imaps"], ssl_context=tls_context(), timeout=30)
        typ, _ = imap.authenticate("PLAIN", lambda _: b"\0demo@example.test\0pw-demo")
        self.assertEqual(typ, "OK")
        self.assertEqual(imap.select("INBOX")[0], "OK")
        imap.logout()

    # -- mailboxes -------------------------------------------------------------
    def test_special_use_mailboxes_and_life_cycle(self):
        imap = self.login()
        typ, data = imap.list()
        listing = b"\n".join(data).decode()
        for name, use in [("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"), ("Junk", "\\Junk")]:
            self.assertRegex(listing, re.escape(use) + r".*\"/\" " + name)
        self.assertIn("INBOX", listing)
        self.assertEqual(imap.create("Projects/2026/Q4")[0], "OK")
        self.assertEqual(imap.create("Projects/2026/Q4")[0], "NO")
        typ, data = imap.list("\"\"", "Projects/%")
        self.assertIn(b"\\HasChildren", data[0])
        self.assertEqual(imap.rename("Projects", "Work")[0], "OK")
        typ, data = imap.list("\"\"", "Work/*")
        names = b" ".join(data)
        self.assertIn(b"Work/2026/Q4", names)
        self.assertEqual(imap.subscribe("Work/2026")[0], "OK")
        typ, data = imap.lsub("\"\"", "*")
        self.assertTrue(any(b"Work/2026" in d for d in data))
        self.assertEqual(imap.delete("Work/2026/Q4")[0], "OK")
        self.assertEqual(imap.select("Work/2026/Q4")[0], "NO")
        self.assertEqual(imap.delete("INBOX")[0], "NO")
        # mUTF-7 names round-trip (RFC 3501 5.1.3).
        self.assertEqual(imap.create("&ZeVnLIqe-")[0], "OK")
        typ, data = imap.list("\"\"", "&ZeVnLIqe-")
        self.assertIn(b"&ZeVnLIqe-", data[0])
        imap.logout()

    def test_utf8_accept_sends_utf8_mailbox_names(self):
        # Regression found with imapflow: after ENABLE UTF8=ACCEPT (or
        # IMAP4rev2) LIST still sent modified UTF-7 (RFC 6855 3).
        imap = self.login()
        self.assertEqual(imap.create("Caf&AOk-")[0], "OK")
        typ, data = imap.list('""', "Caf*")
        self.assertIn(b'"/" Caf&AOk-', data[0])
        typ, data = imap.enable("UTF8=ACCEPT")
        self.assertEqual(typ, "OK")
        typ, data = imap.list('""', "Caf*")
        self.assertIn('"/" "Café"'.encode(), data[0])
        typ, data = imap.status("Café", "(MESSAGES)")
        self.assertIn('"Café" (MESSAGES 0)'.encode(), data[0])
        imap.logout()

    # -- messages --------------------------------------------------------------
    def test_fetch_of_delivered_message(self):
        imap = self.login()
        typ, data = imap.select("INBOX", readonly=True)
        self.assertEqual(typ, "OK")
        typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY.PEEK[])")
        self.assertEqual(typ, "OK")
        meta, body = data[0]
        self.assertTrue(body.endswith(MESSAGE), body[-200:])
        self.assertIn(b"Return-Path: <alice@remote.example>", body)
        self.assertIn(b'"=?UTF-8?Q?caf=C3=A9?= report"', meta)
        self.assertIn(b'(("Alice Example" NIL "alice" "remote.example"))', meta)
        self.assertIn(b'"application" "octet-stream"', meta)
        self.assertIn(("RFC822.SIZE %d" % len(body)).encode(), meta)
        typ, data = imap.fetch("1", "(BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[1.MIME] BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        flat = b"".join(x if isinstance(x, bytes) else x[0] + x[1] for x in data)
        self.assertIn(b"\x00\x01\x02\x03\x04\x05\x06\x07", flat)
        self.assertIn(b"BINARY.SIZE[2] 8", flat)
        self.assertIn(b"Content-Transfer-Encoding: quoted-printable", flat)
        self.assertIn(b"Subject: =?UTF-8?Q?caf=C3=A9?= report\r\n\r\n", flat)
        typ, data = imap.fetch("1", "(BODY.PEEK[]<0.10>)")
        self.assertEqual(data[0][1], b"Return-Pat")
        imap.logout()

    def test_append_flags_search_copy_move_expunge(self):
        imap = self.login()
        typ, data = imap.append("Drafts", "(\\Draft $Work)", None, b"Subject: draft one\r\n\r\nhello world\r\n")
        self.assertEqual(typ, "OK")
        m = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
        self.assertIsNotNone(m, data)
        first_uid = int(m.group(2))
        imap.append("Drafts", None, None, b"Subject: draft two\r\n\r\nsecond body text\r\n")
        typ, _ = imap.select("Drafts")
        typ, data = imap.uid("SEARCH", "KEYWORD", "$Work")
        self.assertEqual(data[0].split(), [str(first_uid).encode()])
        typ, data = imap.search(None, "BODY", "SECOND")
        self.assertEqual(data[0], b"2")
        typ, data = imap.search(None, "SUBJECT", "draft", "NOT", "DRAFT")
        self.assertEqual(data[0], b"2")
        typ, data = imap.store("1:2", "+FLAGS", "(\\Seen)")
        self.assertEqual(len(data), 2)
        typ, data = imap.search(None, "UNSEEN")
        self.assertEqual(data[0], b"")
        typ, data = imap.copy("1", "Trash")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"^\[COPYUID \d+ 1 \d+\]")
        typ, data = imap._simple_command("MOVE", "2", "Trash")
        self.assertEqual(typ, "OK")
        typ, data = imap.select("Drafts")
        self.assertEqual(int(data[0]), 1)
        imap.store("1", "+FLAGS", "(\\Deleted)")
        typ, data = imap.expunge()
        self.assertEqual(data, [b"1"])
        typ, data = imap.select("Trash")
        self.assertEqual(int(data[0]), 2)
        # UIDs are never reused after an expunge.
        typ, data = imap.append("Drafts", None, None, b"Subject: three\r\n\r\nx\r\n")
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        self.assertGreater(uid, first_uid + 1)
        imap.logout()

    def test_sort_and_thread(self):
        imap = self.login()
        imap.create("Threads")
        for subject, date, extra in [("b topic", "Mon, 2 Nov 2026 10:00:00 +0000", "Message-ID: <1@x>\r\n"),
                                     ("a topic", "Sun, 1 Nov 2026 10:00:00 +0000", "Message-ID: <2@x>\r\n"),
                                     ("Re: b topic", "Tue, 3 Nov 2026 10:00:00 +0000",
                                      "Message-ID: <3@x>\r\nReferences: <1@x>\r\n")]:
            imap.append("Threads", None, None,
                        ("Subject: %s\r\nDate: %s\r\n%s\r\nbody\r\n" % (subject, date, extra)).encode())
        imap.select("Threads")
        typ, data = imap.sort("(SUBJECT)", "UTF-8", "ALL")
        self.assertEqual(data[0], b"2 1 3")
        typ, data = imap.sort("(REVERSE DATE)", "UTF-8", "ALL")
        self.assertEqual(data[0], b"3 1 2")
        typ, data = imap.thread("REFERENCES", "UTF-8", "ALL")
        self.assertEqual(data[0], b"(2)(1 3)")
        typ, data = imap.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
        self.assertEqual(data[0], b"(2)(1 3)")
        imap.logout()

    def test_append_to_missing_mailbox_asks_to_create(self):
        imap = self.login()
        typ, data = imap.append("Nope", None, None, b"Subject: x\r\n\r\nx\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[0])
        imap.logout()

    def test_condstore_modseq_and_status(self):
        imap = self.login()
        imap.create("Modseq")
        imap.append("Modseq", None, None, b"Subject: a\r\n\r\na\r\n")
        typ, data = imap.status("Modseq", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)")
        self.assertRegex(data[0].decode(), r"MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+ SIZE \d+")
        before = int(re.search(rb"HIGHESTMODSEQ (\d+)", data[0]).group(1))
        imap.select("Modseq")
        typ, data = imap.store("1", "+FLAGS", "(\\Flagged)")
        typ, data = imap.fetch("1", "(MODSEQ FLAGS)")
        after = int(re.search(rb"MODSEQ \((\d+)\)", data[0]).group(1))
        self.assertGreater(after, before)
        typ, data = imap._simple_command("STORE", "1", "(UNCHANGEDSINCE %d)" % before, "+FLAGS", "(\\Seen)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"[MODIFIED 1]", data[0])
        typ, data = imap._simple_command("STORE", "1", "(UNCHANGEDSINCE %d)" % after, "+FLAGS", "(\\Seen)")
        self.assertNotIn(b"MODIFIED", data[0])
        typ, data = imap.fetch("1", "(FLAGS)")
        self.assertIn(b"\\Seen", data[0])
        imap.logout()

    def test_quota(self):
        imap = self.login("small@example.test", "pw-small")
        typ, data = imap.getquotaroot("INBOX")
        self.assertEqual(typ, "OK")
        typ, data = imap.append("INBOX", None, None, b"Subject: big\r\n\r\n" + b"x" * 4000 + b"\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"OVERQUOTA", data[0])
        imap.logout()

    def raw_command(self, tls, f, tag, line, literal=None, binary=False):
        """Sends one command (with a synchronising literal) and returns every
        line up to its tagged reply, literals included."""
        if literal is None:
            tls.sendall(tag + b" " + line + b"\r\n")
        else:
            tls.sendall(tag + b" " + line + (b" ~{%d}\r\n" if binary else b" {%d}\r\n") % len(literal))
            self.assertTrue(f.readline().startswith(b"+"))
            tls.sendall(literal + b"\r\n")
        out = b""
        while True:
            line = f.readline()
            self.assertTrue(line, out)
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                out += f.read(int(m.group(1)))
            elif line.startswith(tag + b" "):
                return out

    def test_line_ends_nul_and_header_subsets(self):
        # Regressions found by test_imap_vs_dovecot.
        tls, f = self.raw_session()
        self.raw_command(tls, f, b"c1", b"CREATE Raw")
        # A bare-LF message APPENDed in a plain literal is stored with CRLF:
        # BODY[] and RFC822.SIZE agree and no bare LF reaches the client.
        bare = b"From: a@b.c\nSubject: bare\n\nline1\nline2\n"
        out = self.raw_command(tls, f, b"c2", b"APPEND Raw", bare)
        self.assertIn(b"c2 OK", out)
        # A BINARY APPEND may carry NUL; BODY[] sends it as 0x80 (RFC 9051
        # 4.3: no NUL in a literal), BINARY[] exactly, in a literal8.
        nul = b"From: a@b.c\r\nSubject: nul\r\n\r\nbody\x00nul\r\n"
        out = self.raw_command(tls, f, b"c3", b"APPEND Raw", nul, binary=True)
        self.assertIn(b"c3 OK", out)
        # A message without a blank line: no blank line in header subsets.
        out = self.raw_command(tls, f, b"c4", b"APPEND Raw", b"From: a@b.c\r\nSubject: only headers\r\n")
        self.assertIn(b"c4 OK", out)
        self.raw_command(tls, f, b"c5", b"SELECT Raw")
        out = self.raw_command(tls, f, b"c6", b"FETCH 1 (RFC822.SIZE BODY.PEEK[])")
        want = bare.replace(b"\n", b"\r\n")
        self.assertIn(b"RFC822.SIZE %d BODY[] {%d}\r\n" % (len(want), len(want)) + want + b")", out)
        out = self.raw_command(tls, f, b"c7", b"FETCH 2 (BODY.PEEK[TEXT] BINARY.PEEK[1])")
        self.assertIn(b"BODY[TEXT] {10}\r\nbody\x80nul\r\n", out)
        self.assertIn(b"BINARY[1] ~{10}\r\nbody\x00nul\r\n", out)
        out = self.raw_command(tls, f, b"c8", b"FETCH 3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] "
                                             b"BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)] BINARY.PEEK[4])")
        self.assertIn(b"BODY[HEADER.FIELDS (SUBJECT)] {23}\r\nSubject: only headers\r\n ", out)
        self.assertIn(b"BODY[HEADER.FIELDS.NOT (SUBJECT)] {13}\r\nFrom: a@b.c\r\n ", out)
        self.assertIn(b'BINARY[4] ""', out)  # a part that does not exist is empty, as in BODY[4]
        self.assertIn(b"c8 OK", out)
        tls.close()

    # -- several sessions ------------------------------------------------------
    def test_idle_sees_other_sessions_changes(self):
        watcher = self.login()
        watcher.create("Shared")
        watcher.select("Shared")
        writer = self.login()
        tag = watcher._new_tag()
        watcher.send(tag + b" IDLE\r\n")
        self.assertTrue(watcher.readline().startswith(b"+"))
        writer.append("Shared", None, None, b"Subject: pushed\r\n\r\nx\r\n")
        line = watcher.readline()
        self.assertRegex(line, rb"^\* 1 EXISTS")
        writer.select("Shared")
        writer.store("1", "+FLAGS", "(\\Flagged)")
        lines = b""
        while b"FETCH" not in lines:
            lines += watcher.readline()
        self.assertIn(b"\\Flagged", lines)
        writer.store("1", "+FLAGS", "(\\Deleted)")
        writer.expunge()
        lines = b""
        while b"EXPUNGE" not in lines:
            lines += watcher.readline()
        self.assertIn(b"* 1 EXPUNGE", lines)
        watcher.send(b"DONE\r\n")
        while True:
            line = watcher.readline()
            if line.startswith(tag):
                self.assertIn(b"OK", line)
                break
        watcher.logout()
        writer.logout()

    def test_noop_reports_new_mail(self):
        a = self.login()
        a.create("Noop")
        a.select("Noop")
        b = self.login()
        b.append("Noop", None, None, b"Subject: n\r\n\r\nx\r\n")
        typ, data = a.noop()
        self.assertIn(b"1", a.untagged_responses.get("EXISTS", [b"0"]))
        a.logout()
        b.logout()

    # -- limits and bad input ----------------------------------------------------
    def raw_session(self):
        sock = socket.create_connection(("127.0.0.1", self.node.ports["imaps"]), timeout=30)
        tls = tls_context().wrap_socket(sock)
        f = tls.makefile("rb")
        self.assertTrue(f.readline().startswith(b"* OK"))
        tls.sendall(b"a LOGIN demo@example.test pw-demo\r\n")
        while not f.readline().startswith(b"a OK"):
            pass
        return tls, f

    def test_literal_over_limit_is_refused_before_continuation(self):
        tls, f = self.raw_session()
        tls.sendall(b"b APPEND INBOX {200000}\r\n")
        line = f.readline()
        self.assertTrue(line.startswith(b"b NO [TOOBIG]"), line)
        tls.sendall(b"c NOOP\r\n")
        self.assertTrue(f.readline().startswith(b"c OK"))
        tls.sendall(b"d APPEND INBOX {200000+}\r\n")
        line = f.readline()
        self.assertTrue(line.startswith(b"* BYE [TOOBIG]"), line)
        tls.close()

    def test_bad_commands_get_bad_and_server_stays_up(self):
        tls, f = self.raw_session()
        for cmd, expect in [(b"x1 FROB\r\n", b"x1 BAD"), (b"x2 SELECT\r\n", b"x2 BAD"),
                            (b"x3 FETCH 1 (BODY[\r\n", b"x3 BAD"), (b"x4 UID FETCH 1:* (FLAGS))\r\n", b"x4 BAD")]:
            tls.sendall(cmd)
            line = f.readline()
            while line.startswith(b"* "):
                line = f.readline()
            self.assertTrue(line.startswith(expect), (cmd, line))
        tls.sendall(b"x5 NOOP\r\n")
        line = f.readline()
        self.assertTrue(line.startswith(b"x5 OK"), line)
        tls.close()
        imap = self.login()
        self.assertEqual(imap.noop()[0], "OK")
        imap.logout()


if __name__ == "__main__":
    unittest.main()
