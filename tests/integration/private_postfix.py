"""A private Postfix instance as an independent SMTP peer for integration tests.

Runs the installed Postfix (Debian 12: 3.7) as a separate instance with its
own config, queue and data directories under a temp dir: `postfix -c DIR
start`, never the system instance or /etc/postfix. It accepts mail on
127.0.0.1:<free port> for `example.test` and relays it to a Postino
listener (`relay_transport`), logging to a file in the temp dir.

Needs root (Postfix's master runs as root and drops to `mail_owner`).
Nothing here is chrooted; no DNS lookups are made (all next hops are
bracketed IP literals).

What Postfix changes in a relayed message (documented for byte comparisons):
  * smtpd prepends one `Received:` header;
  * cleanup drops `Return-Path:`, `Bcc:`, `Resent-Bcc:` and `Content-Length:`
    headers from the input;
  * with `local_header_rewrite_clients` empty (set below), it neither
    rewrites header addresses nor adds missing `Message-ID:`, `Date:`,
    `From:` or `To:` headers; test messages carry all four anyway;
  * the smtp/lmtp client folds lines longer than `smtp_line_length_limit`
    (998) and would downgrade 8-bit bodies to quoted-printable if the next
    hop did not announce 8BITMIME.
"""
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

POSTFIX = os.environ.get("POSTFIX_BIN", "/usr/sbin/postfix")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command
{listen} inet n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
lmtp      unix  -       -       n       -       -       lmtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
maillog_file = {log}
maillog_file_prefixes = {root}

myhostname = relay.remote.example
mydomain = remote.example
myorigin = $myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8

# No local delivery, no lookups: relay example.test to Postino, refuse
# everything else (bounces to remote senders fail at once).
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = example.test
relay_transport = {relay_transport}
default_transport = error:no outside mail from a test instance
local_transport = error:no local delivery in a test instance
local_header_rewrite_clients =
append_dot_mydomain = no
biff = no

smtputf8_enable = yes
smtpd_tls_security_level = none
smtp_tls_security_level = {tls_level}
smtp_tls_loglevel = 1
lmtp_tls_security_level = none
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    return os.path.exists(POSTFIX) and os.geteuid() == 0


class DeliveryFailed(AssertionError):
    pass


class PrivatePostfix:
    """`with PrivatePostfix(relay_transport="smtp:[127.0.0.1]:2525") as pf:`

    relay_transport: where mail for example.test goes (smtp:[ip]:port or
    lmtp:inet:[ip]:port). smtp_tls_level: the smtp client's TLS level
    (`none`, `may`, `encrypt`). extra_main: more main.cf lines."""

    def __init__(self, relay_transport, smtp_tls_level="none", extra_main=""):
        self.relay_transport = relay_transport
        self.smtp_tls_level = smtp_tls_level
        self.extra_main = extra_main
        # The queue and data directories must be reachable by mail_owner.
        self.dir = tempfile.mkdtemp(prefix="postino-postfix-")
        os.chmod(self.dir, 0o755)
        self.config_dir = os.path.join(self.dir, "etc")
        self.queue_dir = os.path.join(self.dir, "spool")
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "postfix.log")
        self.port = None
        os.makedirs(self.config_dir)
        # `postfix start` creates the queue subdirectories and the data
        # directory with their owners (post-install create-missing), but
        # needs the queue directory itself.
        os.makedirs(self.queue_dir, mode=0o755)

    # -- configuration -----------------------------------------------------
    def write_config(self):
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(queue=self.queue_dir, data=self.data_dir, log=self.log_path,
                                   root=self.dir, relay_transport=self.relay_transport,
                                   tls_level=self.smtp_tls_level))
            f.write(self.extra_main)
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))

    def postfix(self, *args, timeout=120):
        return subprocess.run([POSTFIX, "-c", self.config_dir, *args],
                              capture_output=True, text=True, timeout=timeout)

    # -- process -----------------------------------------------------------
    def start(self, attempts=3):
        """Starts the instance; a free port taken meanwhile is re-picked."""
        for attempt in range(attempts):
            self.port = free_port()
            self.write_config()
            log_offset = len(self.log())
            out = self.postfix("start")
            if out.returncode == 0 and self.wait_ready():
                return self
            fresh = self.log()[log_offset:] + out.stderr
            self.stop()
            if attempt + 1 == attempts or "Address already in use" not in fresh:
                raise RuntimeError(f"private postfix did not start (rc={out.returncode}):\n"
                                   f"{out.stdout}{out.stderr}\n{self.log()}")

    def wait_ready(self):
        """Waits for the smtpd greeting on our port (the master has bound it
        before `postfix start` returns; smtpd answers once spawned)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.master_pid() is None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    s.settimeout(max(1.0, deadline - time.monotonic()))
                    if s.recv(4).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def master_pid(self):
        try:
            with open(os.path.join(self.queue_dir, "pid", "master.pid")) as f:
                pid = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def stop(self):
        pid = self.master_pid()
        if pid is None:
            return
        self.postfix("stop", timeout=STOP_TIMEOUT)
        # `postfix stop` escalates to SIGKILL itself; make sure of it.
        if self.master_pid() == pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and os.environ.get("POSTINO_KEEP_LOGS"):
            print(self.log())
        self.cleanup()

    # -- mail --------------------------------------------------------------
    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def send(self, mail_from, rcpts, message, mail_options=()):
        """Injects one message over SMTP; returns Postfix's queue id."""
        with smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.remote.example",
                          timeout=60) as s:
            s.ehlo()
            code, text = s.mail(mail_from, list(mail_options))
            if code != 250:
                raise DeliveryFailed(f"MAIL refused: {code} {text!r}")
            for rcpt in rcpts:
                code, text = s.rcpt(rcpt)
                if code != 250:
                    raise DeliveryFailed(f"RCPT {rcpt} refused: {code} {text!r}")
            code, text = s.data(message)
            if code != 250:
                raise DeliveryFailed(f"DATA refused: {code} {text!r}")
        match = re.search(rb"queued as ([0-9A-Za-z]+)", text)
        if not match:
            raise DeliveryFailed(f"no queue id in {text!r}")
        return match.group(1).decode()

    def wait_sent(self, queue_ids, timeout=60.0):
        """Waits until each queue id has a `status=sent` line (one recipient each);
        a deferral or bounce fails at once with the log line. Returns the
        `status=sent` lines by queue id."""
        wanted = set(queue_ids)
        pattern = re.compile(r"postfix/(?:smtp|lmtp)\[\d+\]: ([0-9A-Za-z]+): to=<[^>]*>.*"
                             r"status=(\w+).*$", re.M)
        deadline = time.monotonic() + timeout
        while True:
            sent = {}
            for match in pattern.finditer(self.log()):
                qid, status = match.group(1), match.group(2)
                if qid not in wanted:
                    continue
                if status != "sent":
                    raise DeliveryFailed(f"Postfix could not deliver {qid}:\n{match.group(0)}")
                sent.setdefault(qid, []).append(match.group(0))
            if len(sent) == len(wanted):
                return sent
            if time.monotonic() > deadline:
                raise DeliveryFailed(f"no status=sent for {sorted(wanted - set(sent))}:\n{self.log()}")
            time.sleep(0.1)
