"""DKIM interop: messages signed by dkim_sign_tool (our signer) must verify
with dkimpy (Debian python3-dkim), an independent implementation, and stop
verifying when they are tampered with. The DNS answer is the TXT record our
key generation printed, handed to dkimpy through its dnsfunc hook.

Run by CTest with DKIM_SIGN_TOOL set; needs Debian's python3 (dkimpy).
"""
import os
import subprocess
import tempfile
import unittest

import dkim

TOOL = os.environ.get("DKIM_SIGN_TOOL", "")
DOMAIN = "example.org"
SELECTOR = "s2025"


def message(headers, body):
    return headers.replace(b"\n", b"\r\n") + b"\r\n" + body


# Varied messages: folding, trailing whitespace, empty body, no final CRLF,
# 8-bit content, repeated headers, blank lines at the end, bare LF.
MESSAGES = {
    "plain": message(
        b"From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: Hello\n"
        b"Date: Mon, 03 Mar 2025 10:00:00 +0000\nMessage-ID: <1@example.org>\n",
        b"Hello Bob,\r\n\r\nsee you.\r\n"),
    "folded": message(
        b"From: Alice\n  <alice@example.org>\nTo: bob@example.net,\n\tcarol@example.net,\n  dave@example.net\n"
        b"Subject: a long subject that is folded\n over two lines   \nCc: x@example.com\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain;\n charset=utf-8\n",
        b"Body line with trailing spaces   \r\nand\ttabs\t\t inside \t\r\n"),
    "empty_body": message(b"From: alice@example.org\nSubject: empty\n", b""),
    "no_final_crlf": message(b"From: alice@example.org\nSubject: no crlf\n", b"last line without end"),
    "eight_bit": message(
        b"From: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>\nSubject: caf\xc3\xa9\nTo: b@example.net\n"
        b"Content-Transfer-Encoding: 8bit\n",
        "Gr\u00fc\u00dfe aus K\u00f6ln \u2014 \u00e9t\u00e9\r\n".encode("utf-8")),
    "trailing_blank_lines": message(b"From: alice@example.org\nSubject: blanks\n",
                                    b"text\r\n\r\n\r\n  \r\n\r\n"),
    "repeated_headers": message(
        b"From: alice@example.org\nReceived: from a by b\nReceived: from c by d\nTo: one@example.net\n"
        b"To: two@example.net\nList-Id: <list.example.org>\nSubject: dup\n",
        b"x\r\n"),
    "whitespace_only_lines": message(b"From: alice@example.org\nSubject:   spaced   out  \n",
                                     b" \r\n\t\r\nmiddle\r\n \t \r\n"),
    "big_body": message(b"From: alice@example.org\nSubject: big\n",
                        (b"0123456789 abcdefghij \t klmnopqrstuvwxyz  \r\n" * 20000)),
}


class DkimpyInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not TOOL:
            raise unittest.SkipTest("DKIM_SIGN_TOOL is not set")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.keys = {}
        for algorithm in ("rsa", "ed25519"):
            path = os.path.join(cls.tmp.name, algorithm + ".pem")
            out = subprocess.run([TOOL, "genkey", algorithm, path], check=True, capture_output=True)
            cls.keys[algorithm] = (path, out.stdout.strip())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def sign(self, algorithm, msg, hcanon="relaxed", bcanon="relaxed", chunk=4096):
        path, _ = self.keys[algorithm]
        out = subprocess.run([TOOL, "sign", path, DOMAIN, SELECTOR, hcanon, bcanon, str(chunk)],
                             input=msg, check=True, capture_output=True)
        return out.stdout

    def verify(self, algorithm, signed):
        _, txt = self.keys[algorithm]

        def dnsfunc(name, timeout=5):
            self.assertEqual(name, f"{SELECTOR}._domainkey.{DOMAIN}.".encode())
            return txt

        return dkim.verify(signed, dnsfunc=dnsfunc)

    def test_txt_records(self):
        self.assertTrue(self.keys["rsa"][1].startswith(b"v=DKIM1; k=rsa; p=MIIBIjAN"))
        self.assertTrue(self.keys["ed25519"][1].startswith(b"v=DKIM1; k=ed25519; p="))

    def test_every_message_verifies(self):
        for algorithm in ("rsa", "ed25519"):
            for canon in (("relaxed", "relaxed"), ("simple", "simple"), ("relaxed", "simple"), ("simple", "relaxed")):
                for name, msg in MESSAGES.items():
                    for chunk in (1, 7, 65536) if name != "big_body" else (65536,):
                        with self.subTest(algorithm=algorithm, canon=canon, message=name, chunk=chunk):
                            signed = self.sign(algorithm, msg, *canon, chunk=chunk)
                            self.assertTrue(signed.startswith(b"DKIM-Signature: v=1; a="))
                            self.assertTrue(self.verify(algorithm, signed), signed[:600])

    def test_tampering_breaks_the_signature(self):
        msg = MESSAGES["plain"]
        for algorithm in ("rsa", "ed25519"):
            signed = self.sign(algorithm, msg)
            self.assertTrue(self.verify(algorithm, signed))
            changed_body = signed.replace(b"see you.", b"see you!")
            self.assertFalse(self.verify(algorithm, changed_body))
            changed_subject = signed.replace(b"Subject: Hello", b"Subject: Hellp")
            self.assertFalse(self.verify(algorithm, changed_subject))
            # Oversigned From: a second From added later must break it.
            header_end = signed.index(b"\r\n\r\n") + 2
            extra_from = signed[:header_end] + b"From: mallory@evil.example\r\n" + signed[header_end:]
            self.assertFalse(self.verify(algorithm, extra_from))
            # An unsigned header may be added without harm.
            extra_received = b"Received: from relay by mx; Mon, 3 Mar 2025 10:00:01 +0000\r\n" + signed
            self.assertTrue(self.verify(algorithm, extra_received))

    def test_relaxed_survives_rewrapping(self):
        msg = MESSAGES["plain"]
        for algorithm in ("rsa", "ed25519"):
            signed = self.sign(algorithm, msg)
            rewrapped = signed.replace(b"Subject: Hello", b"Subject:   Hello  ").replace(b"see you.\r\n", b"see you.  \r\n")
            self.assertTrue(self.verify(algorithm, rewrapped))


if __name__ == "__main__":
    unittest.main()
