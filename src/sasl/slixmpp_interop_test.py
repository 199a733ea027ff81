"""SASL interop: our server mechanisms (sasl_server_tool) against the SASL
client of slixmpp (Debian python3-slixmpp), an independent implementation of
PLAIN, LOGIN and SCRAM-SHA-256(-PLUS) (RFC 4616, RFC 5802, RFC 7677).

slixmpp's -PLUS client knows only the cb-name tls-unique; the test renames
it to tls-exporter in the gs2 header (a byte substitution before the first
message is sent). The proof, the channel-binding attribute and the server
signature check are slixmpp's own code. Run by CTest with SASL_SERVER_TOOL set.
"""
import base64
import os
import subprocess
import unittest

from slixmpp.util.sasl import client as sasl_client
from slixmpp.util.sasl import mechanisms
from slixmpp.util.sasl.client import SASLFailed

TOOL = os.environ.get("SASL_SERVER_TOOL", "")
EXPORTER = bytes(range(32))
ENDPOINT = bytes(range(100, 132))


def security(_wanted):
    return {"encrypted": True, "encrypted_plain": True, "unencrypted_plain": True, "unencrypted_scram": True}


def make_client(name, username, password, authzid="", channel_binding=b""):
    def credentials(_required, _optional):
        return {"username": username, "password": password, "authzid": authzid, "channel_binding": channel_binding}
    mech = sasl_client.choose([name], credentials, security)
    if name.endswith("-PLUS"):
        original = mech.process_1

        def process_1(challenge):
            original(challenge)
            mech.gs2_header = mech.gs2_header.replace(b"p=tls-unique", b"p=tls-exporter")
            mech.client_first_message = mech.gs2_header + mech.client_first_message_bare
            return mech.client_first_message
        mech.process_1 = process_1
    return mech


def exchange(name, client, server_password="pencil", send_initial=True, cb=True, tamper_final=None):
    """Runs one exchange; returns the tool's last line and the client."""
    args = [TOOL, name, "user", server_password]
    if cb:
        args += [EXPORTER.hex(), ENDPOINT.hex()]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(line):
        proc.stdin.write(line + "\n")
        proc.stdin.flush()

    if send_initial:
        send("IR " + base64.b64encode(client.process(b"")).decode())
    else:
        send("NOIR")
    scram = name.startswith("SCRAM")
    try:
        while True:
            line = proc.stdout.readline().rstrip("\n")
            if not line.startswith("C "):
                if line.startswith("OK ") and scram:
                    final = line.split(" ")[3]
                    client.process(base64.b64decode(tamper_final or final))
                return line, client
            challenge = base64.b64decode(line[2:])
            if not send_initial and not challenge and scram and client.step == 0:
                answer = client.process(b"")
            elif name == "PLAIN" and not send_initial:
                answer = client.process(b"")
            else:
                answer = client.process(challenge)
            send(base64.b64encode(answer).decode())
    finally:
        proc.stdin.close()
        proc.wait()
        proc.stdout.close()


class SlixmppInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not TOOL:
            raise unittest.SkipTest("SASL_SERVER_TOOL is not set")

    def test_plain(self):
        line, _ = exchange("PLAIN", make_client("PLAIN", "user", "pencil"))
        self.assertEqual(line, "OK user user -")
        line, _ = exchange("PLAIN", make_client("PLAIN", "user", "pencil"), send_initial=False)
        self.assertEqual(line, "OK user user -")
        line, _ = exchange("PLAIN", make_client("PLAIN", "user", "wrong"))
        self.assertEqual(line, "NO bad_credentials")
        line, _ = exchange("PLAIN", make_client("PLAIN", "user", "pencil", authzid="admin"))
        self.assertEqual(line, "NO authz_not_allowed")

    def test_login(self):
        line, _ = exchange("LOGIN", make_client("LOGIN", "user", "pencil"), send_initial=False)
        self.assertEqual(line, "OK user user -")
        line, _ = exchange("LOGIN", make_client("LOGIN", "ghost", "pencil"), send_initial=False)
        self.assertEqual(line, "NO bad_credentials")

    def test_scram_sha256(self):
        for send_initial in (True, False):
            client = make_client("SCRAM-SHA-256", "user", "pencil")
            line, client = exchange("SCRAM-SHA-256", client, send_initial=send_initial, cb=False)
            self.assertTrue(line.startswith("OK user user "), line)
            self.assertTrue(client._mutual_auth)  # slixmpp verified our server signature

    def test_scram_sha256_wrong_password_and_unknown_user(self):
        line, _ = exchange("SCRAM-SHA-256", make_client("SCRAM-SHA-256", "user", "wrong"), cb=False)
        self.assertEqual(line, "NO bad_credentials")
        line, _ = exchange("SCRAM-SHA-256", make_client("SCRAM-SHA-256", "nobody", "pencil"), cb=False)
        self.assertEqual(line, "NO bad_credentials")

    def test_scram_sha256_forged_server_signature_is_caught_by_client(self):
        forged = base64.b64encode(b"v=" + base64.b64encode(b"\0" * 32)).decode()
        with self.assertRaises(SASLFailed):
            exchange("SCRAM-SHA-256", make_client("SCRAM-SHA-256", "user", "pencil"), cb=False, tamper_final=forged)

    def test_scram_y_flag_downgrade(self):
        # A client that can bind ("y": it thinks we cannot) against a server
        # that offers -PLUS: a downgrade. Without -PLUS on offer: accepted.
        line, _ = exchange("SCRAM-SHA-256", make_client("SCRAM-SHA-256", "user", "pencil", channel_binding=EXPORTER))
        self.assertEqual(line, "NO channel_binding")
        client = make_client("SCRAM-SHA-256", "user", "pencil", channel_binding=EXPORTER)
        line, _ = exchange("SCRAM-SHA-256", client, cb=False)
        self.assertTrue(line.startswith("OK user user "), line)

    def test_scram_plus_tls_exporter(self):
        client = make_client("SCRAM-SHA-256-PLUS", "user", "pencil", channel_binding=EXPORTER)
        line, client = exchange("SCRAM-SHA-256-PLUS", client)
        self.assertTrue(line.startswith("OK user user "), line)
        self.assertTrue(client._mutual_auth)
        wrong = make_client("SCRAM-SHA-256-PLUS", "user", "pencil", channel_binding=ENDPOINT)
        line, _ = exchange("SCRAM-SHA-256-PLUS", wrong)
        self.assertEqual(line, "NO channel_binding")


if __name__ == "__main__":
    unittest.main()
