"""Integration harness: a private Postino node per test.

Creates a temp data dir with `postino init`, moves every listener to a free
127.0.0.1 port through a conf.d drop-in, starts `postino serve`, waits for its
`ready` line, and stops it by pid. Python 3 standard library only.
"""
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from private_unbound import PrivateUnbound

POSTINO = os.environ.get("POSTINO_BIN", "postino")
LISTENERS = ["smtp", "lmtp", "submission", "submissions", "pop3", "pop3s",
             "imap", "imaps", "managesieve", "https"]
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count):
    """`count` distinct free ports: every socket stays bound until all are
    picked (ports picked one by one may repeat once each is closed)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run_cli(config, *args, input=None, check=False):
    """Runs `postino --config CONFIG ARGS...` and returns CompletedProcess."""
    cmd = [POSTINO, "--config", config, *args]
    return subprocess.run(cmd, input=input, capture_output=True, text=True,
                          timeout=120, check=check)


def thread_stacks(pid):
    """Every thread's backtrace of a stuck process (gdb), for the failure report."""
    if not shutil.which("gdb"):
        return "(gdb not installed: no stacks)"
    out = subprocess.run(["gdb", "-batch", "-ex", "thread apply all bt 20", "-p", str(pid)],
                         capture_output=True, text=True, timeout=120)
    return "\n".join(line for line in out.stdout.splitlines() if line.startswith(("#", "Thread")))


class Node:
    """One private Postino node: `with Node() as node: ...`."""

    def __init__(self, domain="example.test", extra_config="", init=True, dns_records=None):
        """dns_records: unbound local-zone/local-data lines for the node's
        private DNS server (default: private_unbound.DEFAULT_RECORDS)."""
        self.domain = domain
        self.extra_config = extra_config
        self.dns = PrivateUnbound(dns_records)
        self.dir = tempfile.mkdtemp(prefix="postino-it-")
        self.config = os.path.join(self.dir, "postino.toml")
        self.ports = {}
        self.proc = None
        self.log_path = os.path.join(self.dir, "serve.log")
        if init:
            self.init()

    # -- set-up ------------------------------------------------------------
    def init(self):
        out = subprocess.run([POSTINO, "init", "--data", self.dir, "--domain", self.domain],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError("postino init failed: " + out.stderr)
        self.pick_ports()
        self.dns.start()
        self.write_drop_in("40-test-dns.toml", f'[dns]\nforwarders = ["{self.dns.forwarder}"]\ntimeout = "5s"\n')
        if self.extra_config:
            self.write_drop_in("60-test.toml", self.extra_config)

    def pick_ports(self):
        self.ports = dict(zip(LISTENERS, free_ports(len(LISTENERS))))
        self.write_drop_in("50-test-ports.toml", "".join(
            f"[listeners.{name}]\nport = {port}\n\n" for name, port in self.ports.items()))

    def write_drop_in(self, name, text):
        os.makedirs(os.path.join(self.dir, "conf.d"), exist_ok=True)
        with open(os.path.join(self.dir, "conf.d", name), "w") as f:
            f.write(text)

    def cli(self, *args, input=None, check=False):
        return run_cli(self.config, *args, input=input, check=check)

    def add_user(self, address, password, *extra):
        out = self.cli("user", "add", address, "--password-stdin", *extra, input=password + "\n")
        if out.returncode != 0:
            raise RuntimeError(f"user add failed: {out.stderr}")

    # -- process -----------------------------------------------------------
    def start(self, attempts=3):
        """Starts `postino serve`; a free port taken meanwhile by another
        process (an ephemeral client port) is re-picked and retried."""
        for attempt in range(attempts):
            log_offset = len(self.server_log())
            try:
                return self.start_once()
            except RuntimeError:
                fresh = self.server_log()[log_offset:]
                if attempt + 1 == attempts or "Address already in use" not in fresh:
                    raise
                self.pick_ports()

    def start_once(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([POSTINO, "serve", "--config", self.config],
                                     stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.monotonic() + READY_TIMEOUT
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], deadline - time.monotonic())
            if not ready:
                break
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            line += chunk
            if b"ready\n" in line:
                return self
        self.kill()
        raise RuntimeError("postino serve did not become ready:\n" + self.server_log())

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Stops the server by pid; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stacks = thread_stacks(self.proc.pid)
            self.proc.kill()
            code = self.proc.wait()
            raise RuntimeError("postino serve ignored the stop signal\n" + stacks + "\n" + self.server_log()[-4000:])
        finally:
            self.proc.stdout.close()
            self.log.close()
        self.proc = None
        return code

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.log.close()
        self.proc = None

    def server_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_for_log(self, needle, timeout=30.0):
        """Waits until the server log contains `needle` (polls the file)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.server_log():
                return True
            time.sleep(0.05)
        return False

    def cleanup(self):
        self.kill()
        self.dns.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and os.environ.get("POSTINO_KEEP_LOGS"):
            print(self.server_log())
        self.cleanup()


def read_text(path):
    with open(path) as f:
        return f.read()
