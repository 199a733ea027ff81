"""Several IMAP sessions (imaplib, one thread each) changing one mailbox at
once: STORE of flags, APPEND and UID EXPUNGE interleaved. Each session only
toggles its own keyword ($S<n>), so the final flags of every message are
known exactly; \\Deleted + UID EXPUNGE removes single messages.

Afterwards every session (after NOOP) and a fresh one must agree: the same
UIDs, in order, with the same flags and the same MODSEQ; HIGHESTMODSEQ at
least every message's MODSEQ; the UIDs APPEND handed out distinct, strictly
increasing per session and above every UID that existed before, never one
that was expunged; UIDNEXT above all of them; each STORE's MODSEQ above the
one that session saw before for that message (RFC 7162 3.1.3). A fifth
session stays in IDLE throughout and must follow every change in order
(IdleWatcher). CONCURRENCY_SEED varies the mix.
"""
import os
import random
import re
import select
import socket
import threading
import unittest

from harness import Node
from imap_helpers import login, tls_context

USER = "demo@example.test"
PASSWORD = "pw-demo"
MAILBOX = "Busy"
SESSIONS = 4
OPS = 40
INITIAL = 20
SEED = int(os.environ.get("CONCURRENCY_SEED", "1000"))


def msg(n):
    return ("From: a@remote.example\r\nSubject: m%s\r\n\r\nbody %s\r\n" % (n, n)).encode()


def parse_fetch(data):
    """[(seq, uid, flags, modseq)] from imaplib FETCH data."""
    out = []
    for line in data:
        if isinstance(line, tuple):
            line = line[0]
        if not isinstance(line, bytes):
            continue
        m = re.match(rb"(\d+) \((.*)\)$", line)
        if not m:
            continue
        body = m.group(2)
        uid = re.search(rb"UID (\d+)", body)
        flags = re.search(rb"FLAGS \(([^)]*)\)", body)
        modseq = re.search(rb"MODSEQ \((\d+)\)", body)
        out.append((int(m.group(1)), int(uid.group(1)) if uid else None,
                    frozenset(flags.group(1).decode().split()) if flags else None,
                    int(modseq.group(1)) if modseq else None))
    return out


class Worker(threading.Thread):
    def __init__(self, node, index, initial_uids):
        super().__init__(name="imap-worker-%d" % index)
        self.node = node
        self.index = index
        self.keyword = "$S%d" % index
        self.rng = random.Random(SEED + index)
        self.known = list(initial_uids)
        self.keyword_on = {}       # uid -> our keyword set?
        self.appended = []          # APPENDUIDs in order
        self.expunged = set()       # UIDs this session expunged
        self.doomed = set()         # UIDs our STORE found expunged by another session
        self.seen_modseq = {}       # uid -> last MODSEQ this session saw
        self.errors = []
        self.imap = None

    def note_fetches(self, data):
        for _, uid, _, modseq in parse_fetch(data):
            if uid is not None and modseq is not None:
                # A session never learns an older state after a newer one.
                assert modseq >= self.seen_modseq.get(uid, 0), ("MODSEQ went back", uid, modseq, self.seen_modseq)
                self.seen_modseq[uid] = modseq

    def run(self):
        try:
            self.imap = login(self.node, USER, PASSWORD)
            typ, _ = self.imap.enable("CONDSTORE")
            assert typ == "OK"
            typ, _ = self.imap.select(MAILBOX)
            assert typ == "OK"
            for step in range(OPS):
                self.step(step)
        except Exception as e:  # reported by the test, with the thread's name
            self.errors.append("%s: %r" % (self.name, e))

    def step(self, step):
        op = self.rng.random()
        live = [u for u in self.known if u not in self.expunged]
        if op < 0.5 and live:
            uid = self.rng.choice(live)
            on = self.keyword_on.get(uid, False)
            # imaplib keeps untagged FETCHes of earlier commands (NOOP,
            # APPEND) and hands them out with the next FETCH/STORE answer.
            self.note_fetches(self.imap.untagged_responses.pop("FETCH", []))
            before = self.seen_modseq.get(uid, 0)
            typ, data = self.imap.uid("STORE", str(uid), "-FLAGS" if on else "+FLAGS", "(%s)" % self.keyword)
            assert typ == "OK", (typ, data)
            self.note_fetches(data)
            mine = [f for f in parse_fetch(data) if f[1] == uid]
            if mine and "\\Deleted" in mine[-1][2] and (self.keyword in mine[-1][2]) == on:
                # Another session marked it \Deleted and expunged it before
                # this STORE ran: what we saw is that session's change. Its
                # UID EXPUNGE follows its STORE at once, so it must be gone.
                self.doomed.add(uid)
            elif mine:  # no FETCH: another session expunged it meanwhile
                self.keyword_on[uid] = not on
                assert (self.keyword in mine[-1][2]) == (not on), (uid, mine)
                assert mine[-1][3] > before, ("MODSEQ did not grow", uid, before, mine)
        elif op < 0.75:
            typ, data = self.imap.append(MAILBOX, "(%s)" % self.keyword, None, msg("%d-%d" % (self.index, step)))
            assert typ == "OK", (typ, data)
            m = re.search(rb"APPENDUID \d+ (\d+)", data[0])
            assert m, data
            uid = int(m.group(1))
            self.appended.append(uid)
            self.known.append(uid)
            self.keyword_on[uid] = True
        elif op < 0.9 and live:
            uid = self.rng.choice(live)
            typ, data = self.imap.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)")
            assert typ == "OK", (typ, data)
            typ, data = self.imap.uid("EXPUNGE", str(uid))
            assert typ == "OK", (typ, data)
            self.expunged.add(uid)
        else:
            typ, data = self.imap.noop()
            assert typ == "OK", (typ, data)


class IdleWatcher(threading.Thread):
    """A session in IDLE for the whole run (raw socket, IMAP4rev1, no
    CONDSTORE) that keeps its own sequence-number -> UID map from the
    untagged EXISTS, EXPUNGE and FETCH it is sent: an EXPUNGE or FETCH
    outside the current range, an EXISTS that shrinks the mailbox or a
    FETCH naming another UID than the map means the server reported changes
    out of order. stop() sends DONE; the map must then match UID FETCH."""

    def __init__(self, node):
        super().__init__(name="imap-idle-watcher")
        sock = socket.create_connection(("127.0.0.1", node.ports["imaps"]), timeout=120)
        self.sock = tls_context().wrap_socket(sock)
        self.buffer = b""
        self.uids = []
        self.errors = []
        self.updates = 0
        # An OpenSSL connection must not be read in one thread and written
        # in another at once (a concurrent SSL_write can make the pending
        # SSL_read report a spurious EOF): while the thread runs it alone
        # touches the socket, and stop() only asks it to send DONE.
        self.done_requested = threading.Event()
        assert self.readline().startswith(b"* OK")
        self.command(b"l LOGIN %s %s" % (USER.encode(), PASSWORD.encode()))
        self.command(b"s SELECT " + MAILBOX.encode())
        self.command(b"f UID FETCH 1:* (UID)")
        assert None not in self.uids, self.uids
        self.sock.sendall(b"i IDLE\r\n")
        line = self.readline()
        assert line.startswith(b"+"), line

    def readline(self, poll=None):
        """The next line; with poll, None when nothing arrives in that
        many seconds."""
        while b"\n" not in self.buffer:
            if poll is not None and not self.sock.pending():
                readable, _, _ = select.select([self.sock], [], [], poll)
                if not readable:
                    return None
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line + b"\n"

    def command(self, line):
        tag = line.split(b" ", 1)[0]
        self.sock.sendall(line + b"\r\n")
        return self.read_until(tag)

    def read_until(self, tag, poll=None):
        done_sent = False
        while True:
            if poll is not None and not done_sent and self.done_requested.is_set():
                self.sock.sendall(b"DONE\r\n")
                done_sent = True
            line = self.readline(poll)
            if line is None:
                continue
            if line.startswith(tag + b" "):
                assert line.startswith(tag + b" OK"), line
                return
            self.untagged(line)

    def untagged(self, line):
        m = re.match(rb"\* (\d+) (EXISTS|EXPUNGE|FETCH)(.*)", line)
        if not m:
            return
        n, kind = int(m.group(1)), m.group(2)
        self.updates += 1
        if kind == b"EXISTS":
            if n < len(self.uids):
                self.errors.append("EXISTS %d below %d messages" % (n, len(self.uids)))
            self.uids += [None] * (n - len(self.uids))
        elif kind == b"EXPUNGE":
            if not 1 <= n <= len(self.uids):
                self.errors.append("EXPUNGE %d of %d messages" % (n, len(self.uids)))
            else:
                del self.uids[n - 1]
        else:
            if not 1 <= n <= len(self.uids):
                self.errors.append("FETCH %d of %d messages: %r" % (n, len(self.uids), line))
                return
            uid = re.search(rb"UID (\d+)", m.group(3))
            if uid:
                uid = int(uid.group(1))
                if self.uids[n - 1] not in (None, uid):
                    self.errors.append("FETCH %d says UID %d, the map %d" % (n, uid, self.uids[n - 1]))
                self.uids[n - 1] = uid

    def run(self):
        try:
            self.read_until(b"i", poll=0.2)
        except Exception as e:
            self.errors.append("watcher: %r" % e)

    def stop(self):
        """Ends IDLE; returns the map after a final UID FETCH."""
        self.done_requested.set()
        self.join(timeout=120)
        assert not self.is_alive(), "IDLE did not end"
        self.command(b"g UID FETCH 1:* (UID)")
        self.command(b"o LOGOUT")
        self.sock.close()
        return self.uids


class ConcurrencyTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.node = Node()
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def state(self, imap):
        """The session's view: [(seq, uid, flags, modseq)] after NOOP."""
        typ, _ = imap.noop()
        self.assertEqual(typ, "OK")
        imap.untagged_responses.pop("FETCH", None)  # the NOOP's updates, not this FETCH's answer
        typ, data = imap.fetch("1:*", "(UID FLAGS MODSEQ)")
        self.assertEqual(typ, "OK", data)
        # \Recent belongs to one session (RFC 3501 2.3.2): not compared.
        return sorted((seq, uid, flags - {"\\Recent"}, modseq) for seq, uid, flags, modseq in parse_fetch(data))

    def test_sessions_converge(self):
        setup = login(self.node, USER, PASSWORD)
        self.assertEqual(setup.create(MAILBOX)[0], "OK")
        initial = []
        for i in range(INITIAL):
            typ, data = setup.append(MAILBOX, None, None, msg("init-%d" % i))
            initial.append(int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1)))
        setup.logout()

        watcher = IdleWatcher(self.node)
        watcher.start()
        workers = [Worker(self.node, i, initial) for i in range(SESSIONS)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=600)
            self.assertFalse(w.is_alive(), "worker %s hangs" % w.name)
        watched = watcher.stop()
        errors = [e for w in workers for e in w.errors] + watcher.errors
        self.assertEqual(errors, [], "\n".join(errors) + "\n" + self.node.server_log()[-3000:])

        # UIDs handed out: distinct, growing per session, never an old one.
        appended = [u for w in workers for u in w.appended]
        self.assertEqual(len(appended), len(set(appended)))
        for w in workers:
            self.assertEqual(w.appended, sorted(w.appended))
        self.assertTrue(all(u > max(initial) for u in appended))
        expunged = set().union(*(w.expunged for w in workers))
        self.assertTrue(appended and expunged, "the random mix did no APPEND or EXPUNGE")

        # Every session and a fresh one see the same state.
        fresh = login(self.node, USER, PASSWORD)
        fresh.enable("CONDSTORE")
        typ, data = fresh.select(MAILBOX)
        self.assertEqual(typ, "OK")
        highest = int(fresh.untagged_responses["HIGHESTMODSEQ"][-1])
        uidnext = int(fresh.untagged_responses["UIDNEXT"][-1])
        reference = self.state(fresh)
        for w in workers:
            self.assertEqual(self.state(w.imap), reference, w.name)

        # Sequence numbers 1..n in UID order; the surviving UIDs are exactly
        # the ones created minus the ones expunged.
        self.assertEqual([s for s, _, _, _ in reference], list(range(1, len(reference) + 1)))
        uids = [u for _, u, _, _ in reference]
        self.assertEqual(watched, uids, "the IDLE session's view")
        self.assertGreater(watcher.updates, 0)
        self.assertEqual(uids, sorted(uids))
        self.assertEqual(set(uids), (set(initial) | set(appended)) - expunged)
        doomed = set().union(*(w.doomed for w in workers))
        self.assertEqual(doomed & set(uids), set(), "STORE answered with a stale state of a live message")
        self.assertGreater(uidnext, max(initial + appended))

        # Flags: exactly the keywords each session left on; no \Deleted left.
        for _, uid, flags, modseq in reference:
            expect = {w.keyword for w in workers if w.keyword_on.get(uid)}
            self.assertEqual(set(flags), expect, uid)
            self.assertIsNotNone(modseq)
            self.assertLessEqual(modseq, highest, uid)
            for w in workers:
                self.assertLessEqual(w.seen_modseq.get(uid, 0), modseq, (w.name, uid))

        # STATUS agrees with the selected view.
        typ, data = fresh.status(MAILBOX, "(MESSAGES UIDNEXT HIGHESTMODSEQ)")
        m = re.search(rb"MESSAGES (\d+) UIDNEXT (\d+) HIGHESTMODSEQ (\d+)", data[0])
        self.assertEqual((int(m.group(1)), int(m.group(2)), int(m.group(3))), (len(reference), uidnext, highest))
        for w in workers:
            w.imap.logout()
        fresh.logout()


if __name__ == "__main__":
    unittest.main()
