"""IMAP SEARCH BODY and TEXT (RFC 9051 6.4.4) through the text index, with
imaplib against a running node: a few hundred messages APPENDed and some
delivered over SMTP (varied charsets, encoded words, HTML, attachments,
nested and alternative multiparts), each with words whose expected matches
are known by construction; substring and case-insensitive semantics; strings
too short for the trigram index (scanned); the index following COPY, MOVE
and EXPUNGE. Prints the time of one SEARCH BODY over the mailbox (not
asserted)."""
import base64
import contextlib
import imaplib
import os
import quopri
import smtplib
import sqlite3
import time
import unittest

from harness import Node
from imap_helpers import tls_context
from smtp_helpers import wait_for_messages

USER = "demo@example.test"
PASSWORD = "pw-demo"
APPENDED = 300
SMTP_DELIVERED = 12


def encoded_word(text):
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def message(i):
    """Message i (0-based) and the facts the tests rely on:
    - body: uniq{i:04d}x (unique), commonword when i % 3 == 0, 'zq' when i % 7 == 0;
    - header only: hdronly{i % 5} (X-Tag), and Subject 'Grüße' (encoded) when i % 6 == 1;
    - never in the body text: attachonly (a text attachment), the base64 of the binary part."""
    kind = i % 6
    common = " commonword" if i % 3 == 0 else ""
    zq = " zq" if i % 7 == 0 else ""
    words = f"uniq{i:04d}x{common}{zq}"
    headers = [f"From: Sender {i} <sender{i}@remote.example>", f"To: {USER}",
               f"Subject: {encoded_word('Grüße ' + str(i)) if kind == 1 else 'Message ' + str(i)}",
               f"X-Tag: hdronly{i % 5}", "Date: Wed, 25 Nov 2026 10:00:00 +0000",
               f"Message-ID: <m{i}@remote.example>", "MIME-Version: 1.0"]
    if kind == 0:
        headers.append("Content-Type: text/plain; charset=us-ascii")
        body = f"Plain text body with {words}.\r\n".encode()
    elif kind == 1:
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
        body = quopri.encodestring(f"Viele Grüße aus der Straße, {words}.\r\n".encode())
    elif kind == 2:
        headers.append("Content-Type: text/html; charset=utf-8")
        body = f"<html><body><p>HTML&nbsp;body <b>{words}</b> &amp; more</p></body></html>\r\n".encode()
    elif kind == 3:
        headers.append('Content-Type: multipart/mixed; boundary="mix"')
        payload = base64.encodebytes(b"\x00\x01binary attachonly \xff" * 4).decode().replace("\n", "\r\n")
        body = (f"--mix\r\nContent-Type: text/plain\r\n\r\nSee attached, {words}.\r\n"
                "--mix\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n"
                "attachonly notes\r\n"
                "--mix\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                f"{payload}--mix--\r\n").encode()
    elif kind == 4:
        headers += ["Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit"]
        body = f"Un café très chaud, {words}.\r\n".encode("iso-8859-1")
    else:
        headers.append('Content-Type: multipart/alternative; boundary="alt"')
        body = (f"--alt\r\nContent-Type: text/plain\r\n\r\nPlain part {words}\r\n"
                f"--alt\r\nContent-Type: text/html\r\n\r\n<p>HTML part {words}</p>\r\n--alt--\r\n").encode()
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


class ImapSearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node()
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()
        # SMTP first: local delivery indexes these (UIDs 1..SMTP_DELIVERED).
        with smtplib.SMTP("127.0.0.1", cls.node.ports["smtp"], local_hostname="client.remote.example") as s:
            for j in range(SMTP_DELIVERED):
                s.sendmail("alice@remote.example", [USER],
                           f"From: alice@remote.example\r\nTo: {USER}\r\nSubject: smtp {j}\r\n\r\n"
                           f"Delivered by SMTP, smtpmsg{j:02d}y.\r\n".encode())
        wait_for_messages(cls.node, USER, SMTP_DELIVERED)
        imap = cls.connect()
        for i in range(APPENDED):
            typ, _ = imap.append("INBOX", None, None, message(i))
            assert typ == "OK"
        imap.logout()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    @classmethod
    def connect(cls):
        imap = imaplib.IMAP4_SSL("127.0.0.1", cls.node.ports["imaps"], ssl_context=tls_context(), timeout=60)
        imap.login(USER, PASSWORD)
        return imap

    def setUp(self):
        self.imap = self.connect()

    def test_background_indexer_catches_up(self):
        """Delivery and APPEND leave the text pending; once mail stops the
        server's background indexer moves all of it into the FTS5 index."""
        db = os.path.join(self.node.dir, "metadata", "postino.sqlite")
        deadline = time.monotonic() + 120
        while True:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as c:
                pending = c.execute("SELECT (SELECT count(*) FROM pending_message_texts)"
                                    " + (SELECT count(*) FROM pending_blob_texts)").fetchone()[0]
                indexed = c.execute("SELECT count(*) FROM message_texts").fetchone()[0]
            if pending == 0:
                break
            self.assertLess(time.monotonic(), deadline, f"{pending} texts still pending")
            time.sleep(0.5)
        self.assertGreaterEqual(indexed, APPENDED + SMTP_DELIVERED)
        typ, data = self.imap.select("INBOX")
        self.assertEqual(typ, "OK")
        typ, data = self.imap.search(None, "BODY", "uniq0042x")
        self.assertEqual((typ, len(data[0].split())), ("OK", 1))

    def tearDown(self):
        self.imap.logout()

    @staticmethod
    def uid_of(i):
        return SMTP_DELIVERED + i + 1

    def uids(self, *criteria, literal=None):
        """UID SEARCH; `literal` (str) is sent as the last criterion's
        UTF-8 literal (CHARSET UTF-8)."""
        if literal is not None:
            self.imap.literal = literal.encode()
            typ, data = self.imap.uid("SEARCH", "CHARSET", "UTF-8", *criteria)
        else:
            typ, data = self.imap.uid("SEARCH", *criteria)
        self.assertEqual(typ, "OK", data)
        return sorted(int(u) for u in data[0].split())

    def expected(self, predicate):
        return [self.uid_of(i) for i in range(APPENDED) if predicate(i)]

    def test_body_finds_exact_substrings_case_insensitively(self):
        self.imap.select("INBOX", readonly=True)
        self.assertEqual(self.uids("BODY", "uniq0042x"), [self.uid_of(42)])
        self.assertEqual(self.uids("BODY", "UNIQ0043X"), [self.uid_of(43)])
        self.assertEqual(self.uids("BODY", "niq004"), self.expected(lambda i: 40 <= i < 50))
        self.assertEqual(self.uids("BODY", "commonword"), self.expected(lambda i: i % 3 == 0))
        self.assertEqual(self.uids("BODY", '"with uniq0006x commonword"'), [self.uid_of(6)])
        smtp = self.uids("BODY", "smtpmsg07y")
        self.assertEqual(len(smtp), 1)
        self.assertLessEqual(smtp[0], SMTP_DELIVERED)
        typ, data = self.imap.uid("FETCH", str(smtp[0]), "(BODY.PEEK[TEXT])")
        self.assertIn(b"smtpmsg07y", data[0][1])
        self.assertEqual(self.uids("BODY", "nowhere-at-all"), [])

    def test_body_decodes_charsets_html_and_skips_attachments(self):
        self.imap.select("INBOX", readonly=True)
        kind = lambda k: (lambda i: i % 6 == k)
        self.assertEqual(self.uids("BODY", literal="GRÜSSE AUS"), self.expected(kind(1)))
        self.assertEqual(self.uids("BODY", literal="straße"), self.expected(kind(1)))
        self.assertEqual(self.uids("BODY", literal="café très"), self.expected(kind(4)))
        self.assertEqual(self.uids("BODY", '"html body uniq0008x"'), [self.uid_of(8)])  # &nbsp; and tags gone
        self.assertEqual(self.uids("BODY", '"& more"'), self.expected(kind(2)))
        self.assertEqual(self.uids("BODY", "attachonly"), [])
        self.assertEqual(self.uids("BODY", "AAFiaW5hcnk"), [])  # base64 of the binary part
        self.assertEqual(self.uids("BODY", '"plain part"'), self.expected(kind(5)))

    def test_text_adds_the_decoded_header(self):
        self.imap.select("INBOX", readonly=True)
        self.assertEqual(self.uids("TEXT", "hdronly3"), self.expected(lambda i: i % 5 == 3))
        self.assertEqual(self.uids("BODY", "hdronly3"), [])
        self.assertEqual(self.uids("TEXT", literal="Grüße 7 X-TAG"), [self.uid_of(7)])  # encoded word, decoded
        self.assertEqual(self.uids("TEXT", "uniq0100x"), [self.uid_of(100)])
        self.assertEqual(self.uids("TEXT", '"subject: smtp 3"'), self.uids("BODY", "smtpmsg03y"))
        # The per-recipient header of local delivery is part of the header.
        self.assertEqual(self.uids("TEXT", f'"delivered-to: {USER}"'), list(range(1, SMTP_DELIVERED + 1)))

    def test_strings_too_short_for_the_index_are_scanned(self):
        self.imap.select("INBOX", readonly=True)
        self.assertEqual(self.uids("BODY", "zq"), self.expected(lambda i: i % 7 == 0))
        self.assertEqual(self.uids("BODY", literal="é"), self.expected(lambda i: i % 6 == 4))
        self.assertEqual(len(self.uids("BODY", '""')), APPENDED + SMTP_DELIVERED)

    def test_compound_searches(self):
        self.imap.select("INBOX", readonly=True)
        self.assertEqual(self.uids("OR", "BODY", "uniq0001x", "TEXT", "hdronly4"),
                         self.expected(lambda i: i == 1 or i % 5 == 4))
        self.assertEqual(self.uids("BODY", "commonword", "NOT", "TEXT", "hdronly0"),
                         self.expected(lambda i: i % 3 == 0 and i % 5 != 0))
        self.assertEqual(self.uids("BODY", "commonword", "BODY", "zq"),
                         self.expected(lambda i: i % 21 == 0))

    def test_copy_move_and_expunge_carry_the_index(self):
        imap = self.imap
        for name in ("SearchSource", "SearchCopy", "SearchMove"):
            self.assertEqual(imap.create(name)[0], "OK")
        for i in range(200, 210):  # UIDs 1..10 in SearchSource
            self.assertEqual(imap.append("SearchSource", None, None, message(i))[0], "OK")
        imap.select("SearchSource")
        self.assertEqual(imap.uid("COPY", "1:10", "SearchCopy")[0], "OK")
        self.assertEqual(imap.uid("MOVE", "6", "SearchMove")[0], "OK")  # message 205
        self.assertEqual(self.uids("BODY", "uniq0205x"), [])
        imap.uid("STORE", "7", "+FLAGS.SILENT", r"(\Deleted)")  # message 206
        imap.expunge()
        self.assertEqual(self.uids("BODY", "uniq0206x"), [])
        self.assertEqual(self.uids("BODY", "uniq0207x"), [8])
        imap.select("SearchCopy", readonly=True)
        self.assertEqual(self.uids("BODY", "uniq020"), list(range(1, 11)))
        self.assertEqual(self.uids("TEXT", "hdronly1"), [2, 7])  # messages 201 and 206
        imap.select("SearchMove", readonly=True)
        self.assertEqual(self.uids("TEXT", "uniq0205x"), [1])
        imap.close()
        for name in ("SearchSource", "SearchCopy", "SearchMove"):
            self.assertEqual(imap.delete(name)[0], "OK")
        imap.select("INBOX", readonly=True)
        self.assertEqual(self.uids("BODY", "uniq0205x"), [self.uid_of(205)])  # the INBOX copy is untouched

    def test_search_time(self):
        """Not a timing assertion: prints how long SEARCH BODY takes here."""
        self.imap.select("INBOX", readonly=True)
        started = time.monotonic()
        found = self.uids("BODY", "commonword")
        indexed = time.monotonic() - started
        started = time.monotonic()
        self.uids("BODY", "zq")
        scanned = time.monotonic() - started
        print(f"\nSEARCH BODY over {APPENDED + SMTP_DELIVERED} messages: index {indexed * 1000:.1f} ms "
              f"({len(found)} found), 2-character scan {scanned * 1000:.1f} ms")


if __name__ == "__main__":
    unittest.main()
