"""`postino queue list|show|hold|release|flush|delete` on a queue that holds
a deferred message (a full mailbox), as an operator would use them."""
import json
import smtplib
import unittest

from harness import Node
from smtp_helpers import mailbox_uids

MESSAGE = b"From: s@remote.example\r\nTo: full@example.test\r\nSubject: q\r\n\r\n" + b"x" * 2000 + b"\r\n"


class QueueCliTest(unittest.TestCase):
    def test_queue_verbs(self):
        with Node() as node:
            node.add_user("full@example.test", "pw", "--quota", "1K")
            node.start()
            with smtplib.SMTP("127.0.0.1", node.ports["smtp"], local_hostname="c.remote.example", timeout=30) as s:
                # no SIZE= (smtplib would send it): the full mailbox is only
                # found at delivery, so the message waits in the queue
                s.ehlo()
                self.assertEqual(s.mail("s@remote.example")[0], 250)
                self.assertEqual(s.rcpt("full@example.test")[0], 250)
                self.assertEqual(s.data(MESSAGE)[0], 250)
            self.assertTrue(node.wait_for_log("status=deferred"), node.server_log())

            rows = json.loads(node.cli("-f", "json", "queue", "list", check=True).stdout)
            self.assertEqual(len(rows), 1)
            qid = rows[0]["id"]
            self.assertEqual(rows[0]["sender"], "s@remote.example")
            self.assertEqual(rows[0]["held"], False)
            self.assertIn("full@example.test (pending)", rows[0]["recipients"][0])

            shown = json.loads(node.cli("-f", "json", "queue", "show", qid, check=True).stdout)
            self.assertIn("4.2.2", shown["recipients"][0])
            self.assertEqual(shown["client"], "127.0.0.1")
            human = node.cli("queue", "list")
            self.assertIn(qid, human.stdout)

            self.assertEqual(node.cli("queue", "hold", qid).returncode, 0)
            self.assertTrue(json.loads(node.cli("-f", "json", "queue", "list").stdout)[0]["held"])
            self.assertEqual(node.cli("queue", "release", qid).returncode, 0)
            flushed = node.cli("queue", "flush")
            self.assertEqual(flushed.returncode, 0, flushed.stderr)
            self.assertIn("1 recipient", flushed.stdout)

            self.assertEqual(node.cli("queue", "delete", qid).returncode, 0)
            self.assertEqual(json.loads(node.cli("-f", "json", "queue", "list").stdout), [])
            missing = node.cli("queue", "show", qid)
            self.assertEqual(missing.returncode, 1)
            bad = node.cli("queue", "show", "not-an-id")
            self.assertEqual(bad.returncode, 1)
            self.assertEqual(mailbox_uids(node, "full@example.test"), [])
            self.assertEqual(node.stop(), 0)


if __name__ == "__main__":
    unittest.main()
