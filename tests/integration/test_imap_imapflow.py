"""imapflow (npm), a strict modern IMAP client, against the IMAP server.

imapflow/install.sh installs the pinned imapflow into imapflow/deps (once;
IMAPFLOW_DIR overrides the place); imapflow/client.mjs connects over IMAPS
with the node's certificate as its only CA and prints what it saw as JSON:
capabilities, COMPRESS=DEFLATE (imapflow turns it on by itself), LIST, STATUS, the selected mailbox, FETCH of envelope,
bodyStructure and source, header fields and raw body parts, a decoded part
download, a 2 MB message (BODY[] streamed, a 1.5 MB attachment decoded),
STORE, APPEND, SEARCH,
MOVE, IDLE seeing an APPEND made by a second connection, and QRESYNC
(CHANGEDSINCE, VANISHED) on a third. This test
delivers the messages first and checks every answer.

npm missing skips the test with a message; npm present but failing to
install fails it (the registry is reachable where the tests run).
"""
import hashlib
import json
import os
import shutil
import subprocess
import unittest

from harness import Node
from imap_helpers import deliver, login, node_certificate, report_message
from smtp_helpers import fetch_bytes, wait_for_messages

HERE = os.path.dirname(os.path.abspath(__file__))
FLOW = os.path.join(HERE, "imapflow")
USER = "demo@example.test"
PASSWORD = "pw-demo"

MESSAGE = report_message(b"Demo <demo@example.test>, bob@example.test", b"flow1@remote.example")


def install_imapflow():
    """Returns the prefix holding node_modules/imapflow."""
    prefix = os.environ.get("IMAPFLOW_DIR") or os.path.join(FLOW, "deps")
    out = subprocess.run(["bash", os.path.join(FLOW, "install.sh"), prefix], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise AssertionError("npm install of imapflow failed:\n" + out.stdout[-3000:] + out.stderr[-3000:])
    return prefix


class ImapflowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("npm") or not shutil.which("node"):
            raise unittest.SkipTest("npm/node not installed (scripts/install-deps installs nodejs and npm)")
        cls.prefix = install_imapflow()
        cls.node = Node()
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def run_client(self):
        env = dict(os.environ, IMAPFLOW_DIR=self.prefix, IMAP_PORT=str(self.node.ports["imaps"]),
                   IMAP_USER=USER, IMAP_PASS=PASSWORD, IMAP_CA=node_certificate(self.node))
        out = subprocess.run(["node", os.path.join(FLOW, "client.mjs")], capture_output=True, text=True,
                             timeout=300, env=env)
        self.assertEqual(out.returncode, 0, out.stderr[-8000:] + "\n--- server log ---\n"
                         + self.node.server_log()[-3000:])
        if os.environ.get("IMAPFLOW_DUMP"):
            print(out.stdout)
        return json.loads(out.stdout)

    def test_imapflow_session(self):
        deliver(self.node, USER, MESSAGE)
        wait_for_messages(self.node, USER, 1)
        stored = fetch_bytes(self.node, USER, 1)
        r = self.run_client()

        self.assertTrue(r["secure"])
        self.assertTrue(r["compressed"], "imapflow did not negotiate COMPRESS=DEFLATE")
        for cap in ("IMAP4REV1", "IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "SPECIAL-USE"):
            self.assertIn(cap, [c.upper() for c in r["capabilities"]])
        self.assertIn("CONDSTORE", r["enabled"])
        uses = {m["path"]: m["specialUse"] for m in r["list"]}
        self.assertEqual(uses.get("INBOX"), "\\Inbox")
        for path, use in (("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"), ("Junk", "\\Junk"),
                          ("Archive", "\\Archive")):
            self.assertEqual(uses.get(path), use, r["list"])
        self.assertEqual(r["status"]["messages"], 1)
        self.assertEqual(r["status"]["unseen"], 1)
        self.assertEqual(r["status"]["uidNext"], 2)
        self.assertEqual(r["mailbox"]["exists"], 1)
        self.assertEqual(r["mailbox"]["uidValidity"], r["status"]["uidValidity"])
        self.assertIn("\\*", r["mailbox"]["permanentFlags"])

        [msg] = r["messages"]
        self.assertEqual(msg["uid"], 1)
        self.assertEqual(msg["flags"], [])
        self.assertEqual(msg["size"], len(stored))
        self.assertEqual(msg["sourceLength"], len(stored))
        self.assertEqual(msg["sourceSha256"], hashlib.sha256(stored).hexdigest())
        env = msg["envelope"]
        self.assertEqual(env["subject"], "café report")
        self.assertEqual(env["messageId"], "<flow1@remote.example>")
        self.assertEqual(env["from"], [{"name": "Alice Example", "address": "alice@remote.example"}])
        self.assertEqual(env["to"], [{"name": "Demo", "address": "demo@example.test"},
                                     {"name": "", "address": "bob@example.test"}])
        self.assertEqual(env["sender"], env["from"])
        self.assertEqual(env["date"], "2026-11-25T10:00:00.000Z")
        bs = msg["bodyStructure"]
        self.assertEqual(bs["type"], "multipart/mixed")
        self.assertEqual(bs["parameters"], {"boundary": "b1"})
        text, attachment = bs["childNodes"]
        self.assertEqual((text["part"], text["type"], text["encoding"]), ("1", "text/plain", "quoted-printable"))
        self.assertEqual(text["parameters"], {"charset": "utf-8"})
        self.assertEqual((attachment["part"], attachment["type"], attachment["encoding"]),
                         ("2", "application/octet-stream", "base64"))
        self.assertEqual(attachment["disposition"], "attachment")
        self.assertEqual(attachment["dispositionParameters"], {"filename": "data.bin"})
        self.assertEqual(attachment["size"], 12)  # "AAECAwQFBgc=": the CRLF belongs to the boundary
        self.assertEqual(r["download"]["hex"], "0001020304050607")
        self.assertEqual(r["download"]["meta"]["contentType"], "application/octet-stream")

        self.assertEqual(r["headerFields"], "Subject: =?UTF-8?Q?caf=C3=A9?= report\r\n"
                                            "Message-ID: <flow1@remote.example>\r\n\r\n")
        self.assertEqual(r["bodyParts"]["1"], "The caf=C3=A9 numbers are in.")
        self.assertEqual(r["bodyParts"]["2.mime"], "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n"
                         "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
        self.assertEqual(r["big"], {"sizeMatches": True, "sourceMatches": True, "attachmentMatches": True})

        self.assertTrue(r["flagsAdd"])
        self.assertEqual(r["flagsAfterAdd"], ["$Label1", "\\Flagged"])
        self.assertTrue(r["flagsRemove"])
        self.assertEqual(r["flagsAfterRemove"], ["\\Flagged"])

        self.assertEqual(r["append"]["destination"], "INBOX")
        self.assertEqual(r["append"]["uid"], 2)
        self.assertEqual(r["append"]["uidValidity"], r["status"]["uidValidity"])
        self.assertEqual(r["searchSubject"], [2])
        self.assertEqual(r["searchFlagged"], [1])
        self.assertEqual(r["searchUnseen"], [1])
        self.assertEqual(r["searchKeyword"], [2])
        self.assertEqual(r["searchBody"], [1])

        self.assertEqual(r["utf8Mailbox"], {"created": "Café/Ünï 日本", "messages": 1,
                                            "listed": ["Café", "Café/Ünï 日本"]})
        # The same mailbox for an IMAP4rev1 client: modified UTF-7 (RFC 3501 5.1.3).
        imap = login(self.node, USER, PASSWORD)
        typ, data = imap.list('""', "Caf*")
        self.assertEqual(typ, "OK")
        self.assertIn(b'"Caf&AOk-/&ANw-n&AO8- &ZeVnLA-"', b"\n".join(data))
        imap.logout()

        self.assertEqual(r["move"]["destination"], "Flow Moved")
        self.assertEqual(r["move"]["uidMap"], [[2, 1]])
        self.assertEqual(r["existsAfterMove"], 1)
        self.assertEqual(r["movedMessages"], 1)

        self.assertTrue(r["idlingBeforeAppend"])
        self.assertEqual(r["idleExists"], {"path": "INBOX", "count": 2, "prevCount": 1})
        self.assertEqual(r["afterIdle"], {"uid": 3, "subject": "seen through idle"})

        self.assertIn("QRESYNC", r["qresyncEnabled"])
        self.assertEqual(r["changedSince"], [{"uid": 1, "flags": ["\\Answered", "\\Flagged"], "modseqGrew": True}])
        self.assertTrue(r["deleted"])
        self.assertEqual(r["expunges"], [{"path": "INBOX", "uid": 3, "seq": None, "vanished": True}])
        self.assertEqual(r["existsAfterDelete"], 1)


if __name__ == "__main__":
    unittest.main()
