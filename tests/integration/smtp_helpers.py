"""Helpers for SMTP/LMTP integration tests: waiting for delivery, reading
mailboxes through the CLI, raw sockets for protocol-level tests."""
import json
import socket
import time


def mailbox_uids(node, user, mailbox="INBOX"):
    out = node.cli("-f", "json", "mailbox", "list", "-u", user)
    if out.returncode != 0:
        return []
    for row in json.loads(out.stdout):
        if row["mailbox"] == mailbox:
            return [int(u) for u in row["uids"]]
    return []


def wait_for_messages(node, user, count, timeout=60.0):
    """Polls the user's INBOX until it holds `count` messages."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        uids = mailbox_uids(node, user)
        if len(uids) >= count:
            return uids
        time.sleep(0.1)
    raise AssertionError(f"{user}: expected {count} messages, have {mailbox_uids(node, user)}\n" + node.server_log())


def fetch(node, user, uid, mailbox="INBOX"):
    out = node.cli("fetch", "-u", user, mailbox, str(uid))
    assert out.returncode == 0, out.stderr
    return out.stdout


def fetch_bytes(node, user, uid, mailbox="INBOX"):
    import subprocess
    from harness import POSTINO
    out = subprocess.run([POSTINO, "--config", node.config, "fetch", "-u", user, mailbox, str(uid)],
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


class RawSmtp:
    """A byte-level SMTP client for protocol-violation tests."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """Reads one (possibly multi-line) reply; returns (code, text)."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed; got " + repr(b"".join(lines) + self.buf))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                break
        return int(lines[-1][:3]), b"\n".join(lines).decode("utf-8", "replace")

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed(self):
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self):
        self.sock.close()
