"""mbsync (isync 1.4) against the IMAP server: a two-way sync of a Postino
account with a local Maildir over IMAPS, trusting the node's self-signed
certificate through CertificateFile (isync accepts a server certificate
listed there without a host name check).

Round 1 pulls everything down (mail delivered over SMTP, a flagged message
APPENDed to a folder). Then both sides change: locally a message is marked
seen, one is trashed (T flag: mbsync stores \\Deleted and expunges), a new
message appears in a local folder and a local folder is created; on the
server a message arrives and a flag is set. Round 2 must carry each change
across; round 3 must change nothing (mbsync's state agrees with the
server's UIDs). Checked with imaplib on the server and by reading the
Maildir. Private config and HOME in a temp dir.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import Node
from imap_helpers import deliver, login, node_certificate, simple_message, subjects, uid_flags
from smtp_helpers import wait_for_messages

USER = "demo@example.test"
PASSWORD = "pw-demo"


def maildir_messages(folder):
    """{subject: maildir-flags} of a Maildir folder (cur and new)."""
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(folder, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            subject = None
            for line in data.split(b"\n"):
                if line.lower().startswith(b"subject:"):
                    subject = line.split(b":", 1)[1].strip().decode()
                    break
                if line.strip() == b"":
                    break
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            out[subject] = (flags, os.path.join(d, name))
    return out


def set_maildir_flags(path, flags):
    """Renames a Maildir message to carry `flags` (moves it to cur/)."""
    folder = os.path.dirname(os.path.dirname(path))
    base = os.path.basename(path).split(":2,", 1)[0]
    target = os.path.join(folder, "cur", base + ":2," + "".join(sorted(flags)))
    os.rename(path, target)
    return target


class MbsyncTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("mbsync"):
            raise AssertionError("mbsync (isync) is a required test peer: scripts/install-deps")
        cls.node = Node()
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()
        cls.tmp = tempfile.mkdtemp(prefix="postino-mbsync-")
        cls.maildir = os.path.join(cls.tmp, "mail")
        os.makedirs(cls.maildir)
        cls.config = os.path.join(cls.tmp, "mbsyncrc")
        with open(cls.config, "w") as f:
            f.write(f"""IMAPAccount postino
Host 127.0.0.1
Port {cls.node.ports["imaps"]}
User {USER}
Pass {PASSWORD}
SSLType IMAPS
SystemCertificates no
CertificateFile {node_certificate(cls.node)}
PipelineDepth 4

IMAPStore remote
Account postino

MaildirStore local
Path {cls.maildir}/
Inbox {cls.maildir}/INBOX
SubFolders Verbatim

Channel all
Far :remote:
Near :local:
Patterns * !Junk
Create Both
Expunge Both
SyncState *
""")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mbsync(self):
        env = dict(os.environ, HOME=self.tmp)
        out = subprocess.run(["mbsync", "-c", self.config, "-V", "all"], capture_output=True, text=True,
                             timeout=120, env=env)
        self.assertEqual(out.returncode, 0, "mbsync failed:\n" + out.stdout[-6000:] + out.stderr[-6000:]
                         + "\n--- server log ---\n" + self.node.server_log()[-4000:])
        return out.stdout + out.stderr

    def test_two_way_sync(self):
        deliver(self.node, USER, simple_message("first", "one"))
        deliver(self.node, USER, simple_message("second", "two"))
        wait_for_messages(self.node, USER, 2)
        imap = login(self.node, USER, PASSWORD)
        self.assertEqual(imap.create("Work")[0], "OK")
        self.assertEqual(imap.append("Work", "(\\Flagged)", None, simple_message("work item", "w"))[0], "OK")
        imap.logout()

        # Round 1: everything comes down.
        self.mbsync()
        inbox = maildir_messages(os.path.join(self.maildir, "INBOX"))
        work = maildir_messages(os.path.join(self.maildir, "Work"))
        self.assertEqual(sorted(inbox), ["first", "second"])
        self.assertEqual(sorted(work), ["work item"])
        self.assertIn("F", work["work item"][0])
        for name in ("Drafts", "Sent", "Trash"):
            self.assertTrue(os.path.isdir(os.path.join(self.maildir, name)), name)
        with open(inbox["first"][1], "rb") as f:
            self.assertIn(b"\n\none", f.read().replace(b"\r\n", b"\n"))

        # Local changes: seen, trashed, a new message, a new folder.
        set_maildir_flags(inbox["first"][1], "S")
        set_maildir_flags(inbox["second"][1], "T")
        new_name = "1700000000.local1.host:2,S"
        with open(os.path.join(self.maildir, "Work", "cur", new_name), "wb") as f:
            f.write(simple_message("written locally", "from the maildir"))
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.maildir, "Local", sub))
        with open(os.path.join(self.maildir, "Local", "new", "1700000001.local2.host"), "wb") as f:
            f.write(simple_message("in a local folder", "x"))
        # Server changes: new mail, a flag.
        deliver(self.node, USER, simple_message("third", "three"))
        wait_for_messages(self.node, USER, 3)
        imap = login(self.node, USER, PASSWORD)
        imap.select("Work")
        self.assertEqual(imap.store("1", "+FLAGS", "(\\Answered)")[0], "OK")
        imap.logout()

        # Round 2: both directions.
        self.mbsync()
        imap = login(self.node, USER, PASSWORD)
        server_inbox = subjects(imap, "INBOX")
        self.assertEqual(sorted(server_inbox.values()), ["first", "third"])
        inbox_flags = uid_flags(imap, "INBOX")
        by_subject = {server_inbox[u]: f for u, f in inbox_flags.items()}
        self.assertIn("\\Seen", by_subject["first"])
        self.assertNotIn("\\Seen", by_subject["third"])
        server_work = subjects(imap, "Work")
        self.assertEqual(sorted(server_work.values()), ["work item", "written locally"])
        work_flags = {server_work[u]: f for u, f in uid_flags(imap, "Work").items()}
        self.assertEqual(work_flags["work item"], {"\\Flagged", "\\Answered"})
        self.assertEqual(work_flags["written locally"], {"\\Seen"})
        self.assertEqual(list(subjects(imap, "Local").values()), ["in a local folder"])
        imap.logout()
        inbox = maildir_messages(os.path.join(self.maildir, "INBOX"))
        self.assertEqual(sorted(inbox), ["first", "third"])
        self.assertEqual(inbox["first"][0], "S")
        work = maildir_messages(os.path.join(self.maildir, "Work"))
        self.assertEqual(work["work item"][0], "FR")

        # Round 3: nothing left to do, nothing duplicated.
        self.mbsync()
        imap = login(self.node, USER, PASSWORD)
        self.assertEqual(sorted(subjects(imap, "INBOX").values()), ["first", "third"])
        self.assertEqual(sorted(subjects(imap, "Work").values()), ["work item", "written locally"])
        imap.logout()
        self.assertEqual(sorted(maildir_messages(os.path.join(self.maildir, "INBOX"))), ["first", "third"])
        self.assertEqual(sorted(maildir_messages(os.path.join(self.maildir, "Work"))),
                         ["work item", "written locally"])

        # A deletion on the server side reaches the Maildir.
        imap = login(self.node, USER, PASSWORD)
        imap.select("Work")
        uid = [u for u, s in subjects(imap, "Work").items() if s == "written locally"][0]
        imap.select("Work")
        imap.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
        imap.expunge()
        imap.logout()
        self.mbsync()
        self.assertEqual(sorted(maildir_messages(os.path.join(self.maildir, "Work"))), ["work item"])


if __name__ == "__main__":
    unittest.main()
