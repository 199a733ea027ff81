"""A private unbound(8) DNS server on a free 127.0.0.1 port serving test
zones from local-data lines, for Postino nodes under test (sender domain
checks now; MX routing, SPF and DNSBLs later). Stopped by pid."""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

UNBOUND = "/usr/sbin/unbound"

# The zones every test node sees unless it asks for others.
DEFAULT_RECORDS = [
    'local-zone: "example." static',
    'local-zone: "test." static',
    'local-data: "remote.example. IN MX 10 mx.remote.example."',
    'local-data: "mx.remote.example. IN A 127.0.0.2"',
    'local-data: "elsewhere.example. IN MX 10 mx.elsewhere.example."',
    'local-data: "mx.elsewhere.example. IN A 127.0.0.3"',
    'local-data: "a-only.example. IN A 127.0.0.4"',
    'local-data: "nullmx.example. IN MX 0 ."',
    'local-data: "example.test. IN MX 10 mail.example.test."',
    'local-data: "mail.example.test. IN A 127.0.0.1"',
]


def _free_udp_tcp_port():
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def _query(port, name="localhost.", timeout=0.5):
    """One A query over UDP; True if any reply came back."""
    qid = os.getpid() & 0xFFFF
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".")) + b"\0"
    packet = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, ("127.0.0.1", port))
        try:
            return len(s.recv(512)) > 12
        except OSError:
            return False


class PrivateUnbound:
    def __init__(self, records=None):
        self.records = DEFAULT_RECORDS if records is None else records
        self.dir = tempfile.mkdtemp(prefix="postino-dns-")
        self.port = None
        self.proc = None

    @staticmethod
    def available():
        return os.path.exists(UNBOUND)

    @property
    def forwarder(self):
        return f"127.0.0.1@{self.port}"

    def start(self, deadline_s=20.0):
        for _ in range(3):
            self.port = _free_udp_tcp_port()
            conf = os.path.join(self.dir, "unbound.conf")
            with open(conf, "w") as f:
                f.write("server:\n"
                        "  interface: 127.0.0.1\n"
                        f"  port: {self.port}\n"
                        "  do-daemonize: no\n  use-syslog: no\n  chroot: \"\"\n  username: \"\"\n"
                        f"  directory: \"{self.dir}\"\n  pidfile: \"\"\n"
                        "  access-control: 127.0.0.0/8 allow\n  so-reuseport: no\n"
                        "  module-config: \"iterator\"\n  do-not-query-localhost: no\n"
                        + "".join(f"  {line}\n" for line in self.records) +
                        "remote-control:\n  control-enable: no\n")
            log = open(os.path.join(self.dir, "unbound.log"), "ab")
            self.proc = subprocess.Popen([UNBOUND, "-d", "-c", conf], stdout=log, stderr=log)
            log.close()
            deadline = time.monotonic() + deadline_s
            while time.monotonic() < deadline and self.proc.poll() is None:
                if _query(self.port):
                    return self
            self.stop(cleanup=False)
        raise RuntimeError("private unbound did not start: " + open(os.path.join(self.dir, "unbound.log")).read())

    def stop(self, cleanup=True):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if cleanup:
            shutil.rmtree(self.dir, ignore_errors=True)
