"""IMAP OBJECTID (RFC 8474) and non-synchronising literals (RFC 7888) with
Python's imaplib (and a raw TLS socket where imaplib hides the wire):
MAILBOXID in CREATE, SELECT/EXAMINE and STATUS, stable across RENAME, new
after DELETE + CREATE and for RENAME INBOX's new mailbox; FETCH EMAILID
(shared by COPY/MOVE, distinct per content and per account) and THREADID
(NIL: no threads are computed); SEARCH EMAILID/THREADID; LITERAL+ by
default, LITERAL- when configured, with its 4096-byte limit."""
import imaplib
import re
import socket
import unittest

from harness import Node
from imap_helpers import login, simple_message, tls_context

OBJECTID = re.compile(rb"^[A-Za-z0-9_-]{1,255}$")


def response_code(imap, data, code):
    """The argument of [CODE (...)] in a tagged reply's text."""
    text = b" ".join(d for d in data if isinstance(d, bytes))
    m = re.search(rb"\[" + code.encode() + rb" \(([^)]*)\)\]", text)
    return m.group(1) if m else None


def select_mailboxid(imap, mailbox, readonly=False):
    typ, _ = imap.select(mailbox, readonly=readonly)
    assert typ == "OK", mailbox
    typ, data = imap.response("MAILBOXID")
    assert data and data[-1], "no MAILBOXID in SELECT"
    return data[-1].strip(b"()")


def status_mailboxid(imap, mailbox):
    typ, data = imap.status(mailbox, "(MAILBOXID MESSAGES)")
    assert typ == "OK", data
    m = re.search(rb"MAILBOXID \(([^)]*)\)", data[0])
    assert m, data
    return m.group(1)


def fetch_ids(imap, uid):
    typ, data = imap.uid("FETCH", str(uid), "(EMAILID THREADID)")
    assert typ == "OK", data
    line = b" ".join(d if isinstance(d, bytes) else d[0] for d in data if d)
    m = re.search(rb"EMAILID \(([^)]*)\)", line)
    assert m, line
    t = re.search(rb"THREADID (NIL|\([^)]*\))", line)
    assert t, line
    return m.group(1), t.group(1)


def appenduid(data):
    return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))


class RawSession:
    """TLS socket after LOGIN, for exact wire checks."""

    def __init__(self, node, user, password):
        sock = socket.create_connection(("127.0.0.1", node.ports["imaps"]), timeout=30)
        self.tls = tls_context().wrap_socket(sock)
        self.f = self.tls.makefile("rb")
        self.greeting = self.f.readline()
        self.send(b"a LOGIN %s %s\r\n" % (user.encode(), password.encode()))
        self.until(b"a ")

    def send(self, data):
        self.tls.sendall(data)

    def until(self, prefix):
        """Lines up to and including the first starting with prefix."""
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                return lines
            lines.append(line)
            if line.startswith(prefix):
                return lines

    def close(self):
        self.tls.close()


class ObjectIdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node()
        cls.node.add_user("demo@example.test", "pw-demo")
        cls.node.add_user("other@example.test", "pw-other")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def login(self, user="demo@example.test", password="pw-demo"):
        return login(self.node, user, password)

    def test_capabilities(self):
        imap = self.login()
        typ, data = imap.capability()
        caps = data[0].decode().split()
        self.assertIn("OBJECTID", caps)
        # RFC 7888 5: never both.
        self.assertIn("LITERAL+", caps)
        self.assertNotIn("LITERAL-", caps)
        imap.logout()

    def test_mailboxid_in_create_select_status_and_across_rename(self):
        imap = self.login()
        typ, data = imap.create("Obj/Projects")
        self.assertEqual(typ, "OK")
        created = response_code(imap, data, "MAILBOXID")
        self.assertIsNotNone(created, data)
        self.assertRegex(created, OBJECTID)

        self.assertEqual(select_mailboxid(imap, "Obj/Projects"), created)
        self.assertEqual(select_mailboxid(imap, "Obj/Projects", readonly=True), created)
        self.assertEqual(status_mailboxid(imap, "Obj/Projects"), created)
        parent = status_mailboxid(imap, "Obj")
        self.assertNotEqual(parent, created)
        imap.close()

        # RFC 8474 4: kept by RENAME (here with its parent).
        self.assertEqual(imap.rename("Obj", "Renamed")[0], "OK")
        self.assertEqual(status_mailboxid(imap, "Renamed/Projects"), created)
        self.assertEqual(status_mailboxid(imap, "Renamed"), parent)

        # Never reused: DELETE then CREATE of the same name gets a new one.
        self.assertEqual(imap.delete("Renamed/Projects")[0], "OK")
        typ, data = imap.create("Renamed/Projects")
        again = response_code(imap, data, "MAILBOXID")
        self.assertNotEqual(again, created)
        self.assertEqual(status_mailboxid(imap, "Renamed/Projects"), again)
        imap.logout()

    def test_rename_inbox_gives_the_new_mailbox_a_new_id(self):
        imap = self.login("other@example.test", "pw-other")
        imap.append("INBOX", None, None, simple_message("inbox-rename", "x", to="other@example.test"))
        inbox = status_mailboxid(imap, "INBOX")
        self.assertEqual(imap.rename("INBOX", "Saved")[0], "OK")
        self.assertEqual(status_mailboxid(imap, "INBOX"), inbox)
        self.assertNotEqual(status_mailboxid(imap, "Saved"), inbox)
        imap.logout()

    def test_emailid_threadid_copy_move_and_search(self):
        imap = self.login()
        imap.create("EmailIds")
        imap.create("EmailIds/Dest")
        message = simple_message("objectid one", "first body")
        typ, data = imap.append("EmailIds", None, None, message)
        self.assertEqual(typ, "OK")
        uid1 = appenduid(data)
        typ, data = imap.append("EmailIds", None, None, simple_message("objectid two", "second body"))
        uid2 = appenduid(data)
        imap.select("EmailIds")
        email1, thread1 = fetch_ids(imap, uid1)
        email2, _ = fetch_ids(imap, uid2)
        self.assertRegex(email1, OBJECTID)
        self.assertNotEqual(email1, email2)
        self.assertEqual(thread1, b"NIL")  # RFC 8474 5.2: no threads computed

        # Asked twice, the same answer; with other items, too.
        typ, data = imap.uid("FETCH", str(uid1), "(UID FLAGS EMAILID RFC822.SIZE)")
        self.assertIn(b"EMAILID (" + email1 + b")", data[0])

        # COPY and MOVE keep it (RFC 8474 5.1). (imaplib hands back the
        # tagged text of COPY, not of UID COPY: uid1 is message 1 here.)
        typ, data = imap.copy("1", "EmailIds/Dest")
        self.assertEqual(typ, "OK")
        copy_uid = int(re.search(rb"COPYUID \d+ \d+ (\d+)", data[0]).group(1))
        typ, data = imap.uid("MOVE", str(uid2), "EmailIds/Dest")
        self.assertEqual(typ, "OK")
        imap.select("EmailIds/Dest")
        self.assertEqual(fetch_ids(imap, copy_uid)[0], email1)
        typ, data = imap.uid("SEARCH", "EMAILID", email2.decode())
        moved = data[0].split()
        self.assertEqual(len(moved), 1)
        self.assertEqual(fetch_ids(imap, int(moved[0]))[0], email2)

        # SEARCH EMAILID finds exactly the message; THREADID matches nothing.
        imap.select("EmailIds")
        typ, data = imap.uid("SEARCH", "EMAILID", email1.decode())
        self.assertEqual(data[0].split(), [str(uid1).encode()])
        typ, data = imap.uid("SEARCH", "EMAILID", "Mnothere")
        self.assertEqual(data[0].split(), [])
        typ, data = imap.uid("SEARCH", "THREADID", "T1")
        self.assertEqual(data[0].split(), [])
        typ, data = imap.uid("SEARCH", "NOT", "EMAILID", email1.decode())
        self.assertNotIn(str(uid1).encode(), data[0].split())

        # The same bytes appended again are the same immutable message (RFC
        # 8474 5.1 allows one id); in another account they are not.
        typ, data = imap.append("EmailIds", None, None, message)
        self.assertEqual(fetch_ids(imap, appenduid(data))[0], email1)
        imap.logout()
        other = self.login("other@example.test", "pw-other")
        typ, data = other.append("INBOX", None, None, message)
        other.select("INBOX")
        self.assertNotEqual(fetch_ids(other, appenduid(data))[0], email1)
        other.logout()

    def test_non_synchronising_literals_of_any_size_under_literal_plus(self):
        raw = RawSession(self.node, "demo@example.test", "pw-demo")
        body = simple_message("big literal", "y" * 6000)
        raw.send(b"b APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
        lines = raw.until(b"b ")
        self.assertTrue(lines[-1].startswith(b"b OK"), lines)
        # A LOGIN-style argument literal, too (RFC 7888 3 example shape).
        raw.send(b"c STATUS {5+}\r\nINBOX (MAILBOXID)\r\n")
        lines = raw.until(b"c ")
        self.assertTrue(lines[-1].startswith(b"c OK"), lines)
        self.assertTrue(any(b"MAILBOXID (" in line for line in lines), lines)
        raw.close()


class LiteralMinusTest(unittest.TestCase):
    """literal_plus = false: LITERAL- is advertised and enforced."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config="[imap]\nliteral_plus = false\n")
        cls.node.add_user("demo@example.test", "pw-demo")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def test_advertises_literal_minus_only(self):
        imap = login(self.node, "demo@example.test", "pw-demo")
        self.assertIn("LITERAL-", imap.capabilities)
        self.assertNotIn("LITERAL+", imap.capabilities)
        imap.logout()
        raw = RawSession(self.node, "demo@example.test", "pw-demo")
        self.assertIn(b"LITERAL-", raw.greeting)
        self.assertNotIn(b"LITERAL+", raw.greeting)
        raw.close()

    def test_small_non_synchronising_literal_is_accepted(self):
        raw = RawSession(self.node, "demo@example.test", "pw-demo")
        body = simple_message("small", "z" * 3000)
        self.assertLessEqual(len(body), 4096)
        raw.send(b"b APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
        lines = raw.until(b"b ")
        self.assertTrue(lines[-1].startswith(b"b OK"), lines)
        # Exactly 4096 bytes is still allowed.
        body = simple_message("edge", "q" * 8000)[:4096]
        raw.send(b"c APPEND INBOX {4096+}\r\n" + body + b"\r\n")
        lines = raw.until(b"c ")
        self.assertTrue(lines[-1].startswith(b"c OK"), lines)
        raw.close()

    def test_larger_non_synchronising_literal_ends_the_session_with_toobig(self):
        raw = RawSession(self.node, "demo@example.test", "pw-demo")
        body = simple_message("too big", "w" * 5000)
        raw.send(b"b APPEND INBOX {%d+}\r\n" % len(body))
        line = raw.f.readline()
        self.assertTrue(line.startswith(b"* BYE [TOOBIG]"), line)
        raw.close()
        # A synchronising literal of the same size is fine; the server is up.
        imap = login(self.node, "demo@example.test", "pw-demo")
        typ, data = imap.append("INBOX", None, None, body)
        self.assertEqual(typ, "OK")
        imap.logout()


if __name__ == "__main__":
    unittest.main()
