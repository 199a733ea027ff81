"""Differential FETCH test: Postino's IMAP server against Dovecot's.

The mime_corpus messages (MIME_CORPUS_COUNT generated ones, 200 by default,
plus the handcrafted broken shapes and src/mime/testdata/*.eml) are
APPENDed over IMAPS to a Postino node (a literal8 for the ones holding NUL)
and written into the Maildir of a private Dovecot driven over
IMAP4_stream (test_mime_vs_dovecot.DovecotSession: no port, /etc/dovecot
untouched). Then both servers answer, over IMAP, for every message:
ENVELOPE, BODY, BODYSTRUCTURE, RFC822.SIZE, BODY[HEADER], BODY[TEXT],
BODY[HEADER.FIELDS (...)], BODY[HEADER.FIELDS.NOT (...)], and for every
part (numbered from BODYSTRUCTURE) BODY[n.MIME], BODY[n], BINARY.SIZE[n]
and BINARY[n]. Values are compared after parsing (a literal equals a quoted
string with the same bytes); bytes are compared as sent.

The differences that remain are the ones test_mime_vs_dovecot explains
(reused from there: EXPLAINED, walk_pairs, the NUL and BINARY notes) plus
the IMAP-level ones listed in IMAP_EXPLAINED below.
"""
import glob
import os
import re
import shutil
import socket
import tempfile
import unittest

from harness import Node
from imap_helpers import tls_context
from mime_corpus import corpus
from test_mime_vs_dovecot import fetch_items as mime_fetch_items
from test_mime_vs_dovecot import DOVECOT_IMAP, EXPLAINED, TESTDATA, DovecotSession, ImapParser, restore_environment, walk_pairs

USER = "demo@example.test"
PASSWORD = "pw-demo"
FIELDS = "(FROM TO CC SUBJECT DATE MESSAGE-ID CONTENT-TYPE X-NOT-THERE)"
FIELDS_NOT = "(RECEIVED CONTENT-TYPE)"

# IMAP-level differences (beyond the MIME ones test_mime_vs_dovecot
# explains), by message name: (items, reason).
#
# Messages without the blank line after the header: RFC 9051 6.4.5 includes
# the blank line "in all header fetches, except in the case of a message
# which has no body and no blank line", which is what we send. Dovecot 2.3
# follows that for HEADER and HEADER.FIELDS.NOT but adds a blank line to
# HEADER.FIELDS of such a message (except when its last line lacks a line
# end), and leaves a last header line without its CRLF in HEADER.FIELDS.NOT
# (we end it with CRLF in both: a header line is CRLF-terminated, RFC 5322).
NO_BLANK_LINE = "RFC 9051 6.4.5: no blank line in header subsets of a message that has none (see above)"
IMAP_EXPLAINED = {
    "empty_message": ({"BODY[HEADER.FIELDS %s]" % FIELDS}, NO_BLANK_LINE),
    "no_blank_line": ({"BODY[HEADER.FIELDS %s]" % FIELDS}, NO_BLANK_LINE),
    "no_blank_line_no_eol": ({"BODY[HEADER.FIELDS.NOT %s]" % FIELDS_NOT}, NO_BLANK_LINE),
}
# BINARY[n] of a message/rfc822 part: Dovecot decodes every part inside the
# encapsulated message and rewrites their Content-Transfer-Encoding fields to
# "binary". RFC 3516 4.2 / RFC 9051 6.4.5 remove only the part's own
# encoding (7bit or 8bit for message/rfc822: identity), so ours must equal
# BODY[n]; that is what is checked for those parts instead.


class Parser(ImapParser):
    """ImapParser plus literal8 (~{n}, RFC 3516), as BINARY[...] is sent."""

    def value(self):
        self.skip_sp()
        if self.d[self.i:self.i + 2] == b"~{":
            self.i += 1
        return super().value()


def fetch_items(raw):
    """test_mime_vs_dovecot.fetch_items, reading literal8 too."""
    return mime_fetch_items(raw, Parser)


class RawImap:
    """A minimal IMAPS client for APPEND with literal8 (imaplib only sends
    {n} literals, which may not carry NUL: RFC 9051 4.3)."""

    def __init__(self, port):
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock = tls_context().wrap_socket(sock)
        self.f = self.sock.makefile("rb")
        self.n = 0
        assert self.f.readline().startswith(b"* OK")
        self.command(b"LOGIN %s %s" % (USER.encode(), PASSWORD.encode()))

    def command(self, line, literal=None):
        self.n += 1
        tag = b"r%d" % self.n
        if literal is None:
            self.sock.sendall(tag + b" " + line + b"\r\n")
        else:
            binary = b"\0" in literal
            self.sock.sendall(tag + b" " + line + (b" ~{%d}\r\n" if binary else b" {%d}\r\n") % len(literal))
            cont = self.f.readline()
            assert cont.startswith(b"+"), (line, cont)
            self.sock.sendall(literal + b"\r\n")
        lines = []
        while True:
            reply = self.f.readline()
            assert reply, "connection closed"
            lines.append(reply)
            if reply.startswith(tag + b" "):
                assert reply.startswith(tag + b" OK"), (line, lines)
                return lines

    def close(self):
        self.command(b"LOGOUT")
        self.sock.close()


def clip(value, n=300):
    """A value for a failure message: bytes cut to n, None and atoms shown."""
    return value[:n] if isinstance(value, bytes) else value


def part_specs(bs, prefix=""):
    """[(part, is_multipart, is_message)] for a parsed BODYSTRUCTURE, in
    RFC 9051 6.4.5 numbering."""
    out = []
    if isinstance(bs[0], list):  # multipart: children first, then subtype
        k = 0
        for child in bs:
            if not isinstance(child, list):
                break
            k += 1
            spec = "%s%d" % (prefix, k)
            out += part_entry(child, spec)
        return out
    return part_entry(bs, prefix + "1") if not prefix else out


def part_entry(bs, spec):
    if isinstance(bs[0], list):
        return [(spec, True, False)] + part_specs(bs, spec + ".")
    is_message = (isinstance(bs[0], bytes) and bs[0].lower() == b"message"
                  and isinstance(bs[1], bytes) and bs[1].lower() in (b"rfc822", b"global")
                  and len(bs) > 9 and isinstance(bs[8], list))
    out = [(spec, False, is_message)]
    if is_message:
        inner = bs[8]
        if isinstance(inner[0], list):
            out += part_specs(inner, spec + ".")
        else:
            out += part_entry(inner, spec + ".1")
    return out


class ImapVsDovecot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(DOVECOT_IMAP):
            raise AssertionError("Dovecot is a required test peer (scripts/install-deps): %s" % DOVECOT_IMAP)
        messages = corpus(int(os.environ.get("MIME_CORPUS_COUNT", "200")),
                          int(os.environ.get("MIME_CORPUS_SEED", "20240601")))
        for path in sorted(glob.glob(os.path.join(TESTDATA, "*.eml"))):
            with open(path, "rb") as f:
                messages.append(("testdata/" + os.path.basename(path), f.read()))
        cls.messages = messages

        # Dovecot: a Maildir, names sorting in corpus order.
        cls.saved_env = {k: os.environ.get(k) for k in ("USER", "HOME")}
        cls.dir = tempfile.mkdtemp(prefix="postino-imapdiff-")
        maildir = os.path.join(cls.dir, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, sub))
        os.makedirs(os.path.join(cls.dir, "run"))
        for i, (_, data) in enumerate(messages):
            with open(os.path.join(maildir, "new", "%010d.M%dP1.postino-test" % (1000000000 + i, i)), "wb") as f:
                f.write(data)
        cls.dovecot = DovecotSession(cls.dir)
        typ, data = cls.dovecot.imap.select("INBOX", readonly=True)
        assert typ == "OK" and int(data[0]) == len(messages), (typ, data)

        # Postino: APPEND over IMAPS.
        cls.node = Node()
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()
        raw = RawImap(cls.node.ports["imaps"])
        raw.command(b"CREATE Corpus")
        for name, data in messages:
            raw.command(b"APPEND Corpus", data)
        raw.close()
        import imaplib
        cls.postino = imaplib.IMAP4_SSL("127.0.0.1", cls.node.ports["imaps"], ssl_context=tls_context(), timeout=60)
        cls.postino.login(USER, PASSWORD)
        typ, data = cls.postino.select("Corpus", readonly=True)
        assert typ == "OK" and int(data[0]) == len(messages), (typ, data)

    @classmethod
    def tearDownClass(cls):
        cls.dovecot.close()
        try:
            cls.postino.logout()
        except Exception:
            pass
        cls.node.stop()
        cls.node.cleanup()
        restore_environment(cls.saved_env)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def both(self, seq, items):
        """(ours, theirs): (typ, {item: value} or raw) of one FETCH on each."""
        out = []
        for imap in (self.postino, self.dovecot.imap):
            typ, raw = imap.fetch(str(seq), items)
            out.append((typ, fetch_items(raw) if typ == "OK" else raw))
        return out

    def test_fetch_against_dovecot(self):
        self.assertGreaterEqual(len(self.messages), 200)
        failures = []
        for i, (name, data) in enumerate(self.messages):
            seq = i + 1
            skip = EXPLAINED.get(name, (set(), ""))[0] | IMAP_EXPLAINED.get(name, (set(), ""))[0]
            problems = []
            head = ("(ENVELOPE BODY BODYSTRUCTURE RFC822.SIZE BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
                    "BODY.PEEK[HEADER.FIELDS %s] BODY.PEEK[HEADER.FIELDS.NOT %s])" % (FIELDS, FIELDS_NOT))
            (otyp, ours), (ttyp, theirs) = self.both(seq, head)
            if otyp != "OK" or ttyp != "OK":
                failures.append("%s (#%d): FETCH ours %s %r theirs %s %r" % (name, seq, otyp, ours, ttyp, theirs))
                continue
            for item in ("ENVELOPE", "BODY", "BODYSTRUCTURE"):
                if item in skip:
                    continue
                if item not in ours:
                    problems.append("%s missing from our answer" % item)
                    continue
                problems += walk_pairs(ours[item], theirs[item], item)
            for item in ("RFC822.SIZE", "BODY[HEADER]", "BODY[TEXT]", "BODY[HEADER.FIELDS %s]" % FIELDS,
                         "BODY[HEADER.FIELDS.NOT %s]" % FIELDS_NOT):
                if item in skip:
                    continue
                if ours.get(item) != theirs.get(item):
                    problems.append("%s ours %r theirs %r" % (item, clip(ours.get(item)), clip(theirs.get(item))))
            parts = [] if "PARTS" in skip else part_specs(theirs["BODYSTRUCTURE"])
            if parts:
                items = " ".join("BODY.PEEK[%s.MIME] BODY.PEEK[%s]" % (p, p) for p, _, _ in parts)
                (otyp, ours), (ttyp, theirs) = self.both(seq, "(%s)" % items)
                if otyp != "OK" or ttyp != "OK":
                    problems.append("parts: FETCH ours %s %r theirs %s %r" % (otyp, ours, ttyp, theirs))
                else:
                    for p, _, _ in parts:
                        for item in ("BODY[%s.MIME]" % p, "BODY[%s]" % p):
                            if ours.get(item) != theirs.get(item):
                                problems.append("%s ours %r theirs %r" % (item, clip(ours.get(item)),
                                                                         clip(theirs.get(item))))
            if "BINARY" not in skip:
                problems += self.compare_binary(seq, parts)
            if problems:
                failures.append("%s (#%d):\n  %s" % (name, seq, "\n  ".join(problems)))
        if failures:
            self.fail("%d of %d messages differ from Dovecot:\n%s" % (len(failures), len(self.messages),
                                                                      "\n".join(failures)))

    def compare_binary(self, seq, parts):
        """BINARY.SIZE[n] and BINARY[n] of every leaf part. Dovecot's NO for
        a whole message (explained difference 3 of test_mime_vs_dovecot:
        an unknown or invalid Content-Transfer-Encoding anywhere) is
        accepted when ours answers per part."""
        problems = []
        for p, multipart, message in parts:
            if multipart:
                continue
            item = "(BINARY.SIZE[%s] BINARY.PEEK[%s])" % (p, p)
            if message:
                typ, raw = self.postino.fetch(str(seq), "(BINARY.SIZE[%s] BINARY.PEEK[%s] BODY.PEEK[%s])" % (p, p, p))
                ours = fetch_items(raw) if typ == "OK" else raw
                if typ != "OK" or ours.get("BINARY[%s]" % p) != ours.get("BODY[%s]" % p) or \
                        int(ours["BINARY.SIZE[%s]" % p][1]) != len(ours["BODY[%s]" % p]):
                    problems.append("BINARY[%s] of a message/rfc822 part is not its BODY[%s]: %s %r" % (p, p, typ, ours))
                continue
            (otyp, ours), (ttyp, theirs) = self.both(seq, item)
            if ttyp == "NO":
                text = theirs[0] if theirs else b""
                if otyp == "NO" or b"[UNKNOWN-CTE]" in text or b"[PARSE]" in text:
                    continue  # Dovecot refuses the whole message (explained difference 3)
            if otyp != ttyp:
                problems.append("BINARY[%s]: ours %s %r theirs %s %r" % (p, otyp, ours, ttyp, theirs))
                continue
            if otyp != "OK":
                continue
            size_item, body_item = "BINARY.SIZE[%s]" % p, "BINARY[%s]" % p
            if (ours.get(size_item) != theirs.get(size_item) and ours.get(body_item) == theirs.get(body_item)
                    and int(ours[size_item][1]) == len(ours[body_item] or b"")):
                # Dovecot 2.3's BINARY.SIZE can disagree with the length of
                # its own BINARY[] (seen on a message/rfc822 default part in
                # a nested digest); ours equals what BINARY[] sends.
                continue
            if ours.get(size_item) != theirs.get(size_item):
                problems.append("%s ours %r theirs %r" % (size_item, ours.get(size_item), theirs.get(size_item)))
            if ours.get(body_item) != theirs.get(body_item):
                problems.append("%s ours %r theirs %r" % (body_item, clip(ours.get(body_item)),
                                                         clip(theirs.get(body_item))))
        return problems


if __name__ == "__main__":
    unittest.main()
