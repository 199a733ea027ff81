"""fetchmail over IMAPS against the IMAP server: mail delivered over SMTP is
fetched with --keep (left on the server, marked \\Seen, not fetched again)
and with --nokeep (deleted and expunged), handed to an MDA that writes each
message to a file. fetchmail verifies the node's self-signed certificate
(sslcertfile + sslcertck, the certificate's name "localhost" as
sslcommonname). Private rc, HOME and FETCHMAILHOME in a temp dir.
fetchmail's exit code: 0 mail delivered, 1 no mail, anything else an error.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import Node
from imap_helpers import deliver, login, node_certificate, simple_message, subjects, uid_flags
from smtp_helpers import wait_for_messages

USER = "demo@example.test"
PASSWORD = "pw-demo"

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
        cls.node.start()
        cls.tmp = tempfile.mkdtemp(prefix="postino-fetchmail-")
        cls.out = os.path.join(cls.tmp, "delivered")
        os.makedirs(cls.out)
        mda = os.path.join(cls.tmp, "mda.py")
        with open(mda, "w") as f:
            f.write(MDA)
        cls.rc = os.path.join(cls.tmp, "fetchmailrc")
        with open(cls.rc, "w") as f:
            f.write(f"""set no syslog
poll 127.0.0.1 service {cls.node.ports["imaps"]} protocol IMAP auth password timeout 60
  user "{USER}" with password "{PASSWORD}"
  ssl sslcertfile "{node_certificate(cls.node)}" sslcertck sslcommonname "localhost"
  mda "{sys.executable} {mda} {cls.out}"
""")
        os.chmod(cls.rc, 0o600)

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

    def delivered(self):
        out = []
        for name in sorted(os.listdir(self.out)):
            if name.endswith(".eml"):
                with open(os.path.join(self.out, name), "rb") as f:
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


if __name__ == "__main__":
    unittest.main()
