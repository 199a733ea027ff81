"""fetchmail over IMAPS against the IMAP server: mail delivered over SMTP is
fetched with --keep (left on the server, marked \\Seen, not fetched again)
and with --nokeep (deleted and expunged), handed to an MDA that writes each
message to a file, and in --idle mode (a message delivered while it waits
in IDLE is fetched in the same session). fetchmail verifies the node's self-signed certificate
(sslcertfile + sslcertck, the certificate's name "localhost" as
sslcommonname). Private rc, HOME and FETCHMAILHOME in a temp dir.
fetchmail's exit code: 0 mail delivered, 1 no mail, anything else an error.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import Node
from imap_helpers import deliver, login, node_certificate, simple_message, subjects, uid_flags
from smtp_helpers import mailbox_uids, wait_for_messages

USER = "demo@example.test"
PASSWORD = "pw-demo"
IDLE_USER = "idle@example.test"

MDA = """import os, sys, uuid
data = sys.stdin.buffer.read()
out = sys.argv[1]
tmp = os.path.join(out, ".tmp-" + uuid.uuid4().hex)
with open(tmp, "wb") as f:
    f.write(data)
os.rename(tmp, os.path.join(out, uuid.uuid4().hex + ".eml"))
"""


class FetchmailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("fetchmail"):
            raise AssertionError("fetchmail is a required test peer: scripts/install-deps")
        cls.node = Node()
        cls.node.add_user(USER, PASSWORD)
        cls.node.add_user(IDLE_USER, PASSWORD)
        cls.node.start()
        cls.tmp = tempfile.mkdtemp(prefix="postino-fetchmail-")
        cls.out = os.path.join(cls.tmp, "delivered")
        os.makedirs(cls.out)
        mda = os.path.join(cls.tmp, "mda.py")
        with open(mda, "w") as f:
            f.write(MDA)
        cls.mda = mda
        cls.rc = cls.write_rc("fetchmailrc", USER, cls.out)

    @classmethod
    def write_rc(cls, name, user, out):
        rc = os.path.join(cls.tmp, name)
        with open(rc, "w") as f:
            f.write(f"""set no syslog
poll 127.0.0.1 service {cls.node.ports["imaps"]} protocol IMAP auth password timeout 60
  user "{user}" with password "{PASSWORD}"
  ssl sslcertfile "{node_certificate(cls.node)}" sslcertck sslcommonname "localhost"
  mda "{sys.executable} {cls.mda} {out}"
""")
        os.chmod(rc, 0o600)
        return rc

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fetchmail(self, *args, expect=0):
        env = dict(os.environ, HOME=self.tmp, FETCHMAILHOME=self.tmp)
        out = subprocess.run(["fetchmail", "-f", self.rc, "--nodetach", "-v", *args], capture_output=True,
                             text=True, timeout=120, env=env)
        self.assertEqual(out.returncode, expect, "fetchmail exit %d:\n%s%s\n--- server log ---\n%s" % (
            out.returncode, out.stdout[-6000:], out.stderr[-6000:], self.node.server_log()[-4000:]))
        return out.stdout + out.stderr

    def delivered(self, folder=None):
        out = []
        folder = folder or self.out
        for name in sorted(os.listdir(folder)):
            if name.endswith(".eml"):
                with open(os.path.join(folder, name), "rb") as f:
                    out.append(f.read())
        return out

    def delivered_subjects(self):
        out = []
        for data in self.delivered():
            for line in data.split(b"\n"):
                if line.lower().startswith(b"subject:"):
                    out.append(line.split(b":", 1)[1].strip().decode())
                    break
        return sorted(out)

    def test_keep_then_nokeep(self):
        deliver(self.node, USER, simple_message("alpha", "first body line"))
        deliver(self.node, USER, simple_message("beta", "second body line"))
        wait_for_messages(self.node, USER, 2)

        # --keep: both fetched whole, left on the server as \Seen.
        self.fetchmail("--keep")
        self.assertEqual(self.delivered_subjects(), ["alpha", "beta"])
        self.assertTrue(any(b"first body line" in m for m in self.delivered()))
        imap = login(self.node, USER, PASSWORD)
        flags = uid_flags(imap, "INBOX")
        self.assertEqual(len(flags), 2)
        self.assertTrue(all("\\Seen" in f for f in flags.values()), flags)
        imap.logout()
        # Nothing unseen left: exit code 1, nothing delivered.
        self.fetchmail("--keep", expect=1)
        self.assertEqual(len(self.delivered()), 2)

        # --nokeep fetches only the new message and removes it.
        deliver(self.node, USER, simple_message("gamma", "third body line"))
        wait_for_messages(self.node, USER, 3)
        self.fetchmail("--nokeep")
        self.assertEqual(self.delivered_subjects(), ["alpha", "beta", "gamma"])
        imap = login(self.node, USER, PASSWORD)
        self.assertEqual(sorted(subjects(imap, "INBOX").values()), ["alpha", "beta"])
        imap.logout()

        # --nokeep --all takes the rest; the mailbox ends empty.
        self.fetchmail("--nokeep", "--all")
        self.assertEqual(self.delivered_subjects(), ["alpha", "alpha", "beta", "beta", "gamma"])
        imap = login(self.node, USER, PASSWORD)
        self.assertEqual(subjects(imap, "INBOX"), {})
        imap.logout()
        for data in self.delivered():
            self.assertIn(b"Return-Path:", data)  # the stored message, whole


class FetchmailIdleTest(FetchmailTest):
    """fetchmail --idle: it fetches what is there, then waits in IDLE; a
    message delivered over SMTP meanwhile is announced by EXISTS and fetched
    in the same session. fetchmail runs until stopped (by its pid)."""

    test_keep_then_nokeep = None  # only the IDLE test in this class

    def wait_for(self, what, predicate, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail("fetchmail: no %s within %ds:\n%s" % (what, timeout, self.read_log()[-4000:]))

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def test_idle_sees_new_mail(self):
        out = os.path.join(self.tmp, "idle-delivered")
        os.makedirs(out)
        rc = self.write_rc("idle-rc", IDLE_USER, out)
        deliver(self.node, IDLE_USER, simple_message("before idle", "waiting"))
        wait_for_messages(self.node, IDLE_USER, 1)
        self.log_path = os.path.join(self.tmp, "idle.log")
        env = dict(os.environ, HOME=self.tmp, FETCHMAILHOME=os.path.join(self.tmp, "idle-home"))
        os.makedirs(env["FETCHMAILHOME"])
        with open(self.log_path, "w") as log:
            proc = subprocess.Popen(["fetchmail", "-f", rc, "--nodetach", "-v", "--idle", "--nokeep"],
                                    stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            idling = re.compile(r"IMAP> \S+ IDLE\n(?:.*\n)*?fetchmail: IMAP< \+")
            self.wait_for("first fetch", lambda: len(self.delivered(out)) == 1)
            self.wait_for("IDLE continuation", lambda: idling.search(self.read_log()))
            deliver(self.node, IDLE_USER, simple_message("during idle", "pushed"))
            self.wait_for("message fetched after EXISTS", lambda: len(self.delivered(out)) == 2)
            self.wait_for("expunge of both (--nokeep)", lambda: mailbox_uids(self.node, IDLE_USER) == [])
            self.assertIsNone(proc.poll(), "fetchmail ended: " + self.read_log()[-3000:])
            self.assertRegex(self.read_log(), r"IMAP< \* 1 EXISTS")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        self.assertTrue(any(b"Subject: during idle" in m for m in self.delivered(out)))
        imap = login(self.node, IDLE_USER, PASSWORD)
        self.assertEqual(subjects(imap, "INBOX"), {})  # --nokeep: both expunged
        imap.logout()


if __name__ == "__main__":
    unittest.main()
