"""Receiving peers for the outbound SMTP client's integration tests, each a
real, independent SMTP implementation or a tiny scripted one, on loopback
addresses and free ports:

  * AiosmtpdPeer: Python's aiosmtpd (Debian python3-aiosmtpd) in a thread,
    scripted per recipient (2xx/4xx/5xx), after DATA, with optional
    STARTTLS, AUTH, SMTPUTF8, without 8BITMIME and with a recipient limit
    per transaction (452 4.5.3 beyond it, as Postfix's smtpd);
  * SmtpSink: Postfix's smtp-sink(1), dumping each transaction to a file;
  * PipeliningProbe: announces PIPELINING and answers MAIL only once DATA has
    arrived, so a client that waits for each reply cannot get through;
  * SilentPeer: accepts TCP connections (kernel backlog) and never greets.
Test code only: blocking, threads, subprocesses.
"""
import asyncio
import glob
import os
import socket
import ssl
import subprocess
import threading
import time

from aiosmtpd.smtp import SMTP, AuthResult

SMTP_SINK = "/usr/sbin/smtp-sink"


def free_port(hosts):
    """A TCP port free on every one of `hosts` (checked by binding them all)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
        sockets = []
        try:
            for host in hosts:
                s = socket.socket()
                sockets.append(s)
                s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free port")


# -- aiosmtpd -------------------------------------------------------------

class _Handler:
    def __init__(self, peer):
        self.peer = peer

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.peer.hide_8bitmime:
            responses = [r for r in responses if "8BITMIME" not in r]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.peer.rcpt_replies.get(address)
        if reply:
            return reply
        if self.peer.max_recipients and len(envelope.rcpt_tos) >= self.peer.max_recipients:
            return "452 4.5.3 Error: too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.peer.messages.append({
            "mail_from": envelope.mail_from,
            "mail_options": list(envelope.mail_options),
            "rcpt_tos": list(envelope.rcpt_tos),
            "content": envelope.original_content,
            "tls": session.ssl is not None,
            "auth": getattr(session.auth_data, "login", None) if session.authenticated else None,
            "peer": session.peer,
        })
        return self.peer.data_reply or "250 2.0.0 Ok: queued as PEER"


class _CountingSMTP(SMTP):
    def __init__(self, peer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._peer = peer

    def connection_made(self, transport):
        if self._original_transport is None:  # not the TLS layer after STARTTLS
            self._peer.connections.add(transport.get_extra_info("peername"))
            self._peer.active += 1
            self._peer.max_active = max(self._peer.max_active, self._peer.active)
        super().connection_made(transport)

    def connection_lost(self, exc):
        self._peer.active -= 1
        super().connection_lost(exc)


class AiosmtpdPeer:
    """`with AiosmtpdPeer("127.0.0.8", port, rcpt_replies={...}) as peer:`"""

    def __init__(self, host, port, rcpt_replies=None, data_reply=None, tls_cert=None,
                 credentials=None, smtputf8=True, hide_8bitmime=False, tls_broken=False,
                 max_recipients=0):
        self.host, self.port = host, port
        self.max_recipients = max_recipients  # per transaction, then 452 4.5.3 (0: no limit)
        self.rcpt_replies = rcpt_replies or {}
        self.data_reply = data_reply
        self.hide_8bitmime = hide_8bitmime
        self.credentials = credentials  # (user, password) or None
        self.messages = []
        self.connections = set()
        self.active = 0       # connections open now (the peer's loop thread only)
        self.max_active = 0
        self.auth_attempts = []
        self._tls = None
        if tls_cert:
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(*tls_cert)
            if tls_broken:
                # Offers STARTTLS but cannot complete a handshake with a
                # TLS 1.2+ client.
                self._tls.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
                self._tls.maximum_version = ssl.TLSVersion.TLSv1_1
        self._smtputf8 = smtputf8
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode()
        password = auth_data.password.decode()
        self.auth_attempts.append((mechanism, login))
        ok = self.credentials is not None and (login, password) == self.credentials
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def _factory(self):
        return _CountingSMTP(self, _Handler(self), hostname=f"peer-{self.host}", tls_context=self._tls,
                             enable_SMTPUTF8=self._smtputf8, authenticator=self._authenticate,
                             auth_require_tls=True, data_size_limit=10 << 20, loop=self._loop)

    def start(self):
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            self._loop.create_server(self._factory, self.host, self.port), self._loop)
        self._server = future.result(timeout=10)
        return self

    def stop(self):
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# -- Postfix smtp-sink ----------------------------------------------------

class SmtpSink:
    """smtp-sink on host:port; `flags` such as ["-8"] (no 8BITMIME). Each
    transaction is dumped to a file in self.dir (envelope in X- headers)."""

    def __init__(self, host, port, directory, flags=()):
        self.host, self.port, self.dir = host, port, directory
        self.flags = list(flags)
        self.proc = None

    @staticmethod
    def available():
        return os.path.exists(SMTP_SINK)

    def start(self):
        os.chmod(self.dir, 0o777)  # smtp-sink writes as nobody
        self.log = open(os.path.join(self.dir, "smtp-sink.log"), "ab")
        self.proc = subprocess.Popen(
            [SMTP_SINK, "-u", "nobody", "-d", os.path.join(self.dir, "dump.%H%M%S."), *self.flags,
             f"{self.host}:{self.port}", "10"], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as s:
                    if s.recv(4).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("smtp-sink did not start")

    def dumps(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "dump.*"))):
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# -- scripted raw peers ----------------------------------------------------

class PipeliningProbe:
    """Announces PIPELINING; holds every reply of a transaction until DATA
    has arrived, then answers MAIL, each RCPT and DATA together. Records
    the commands that came before its first transaction reply."""

    def __init__(self, host, port):
        self.listener = socket.create_server((host, port))
        self.commands_before_reply = []
        self.messages = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(30)
            reader = conn.makefile("rb")
            conn.sendall(b"220 probe ESMTP\r\n")
            reader.readline()  # EHLO
            conn.sendall(b"250-probe\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            pending = []
            while True:
                line = reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"QUIT":
                    conn.sendall(b"221 2.0.0 Bye\r\n")
                    return
                if verb == b"RSET":
                    conn.sendall(b"250 2.0.0 Ok\r\n")
                    continue
                pending.append(line.rstrip(b"\r\n").decode())
                if verb != b"DATA":
                    continue
                if not self.commands_before_reply:
                    self.commands_before_reply = list(pending)
                replies = [b"250 2.1.0 Ok\r\n"] + [b"250 2.1.5 Ok\r\n"] * (len(pending) - 2) + [b"354 go\r\n"]
                conn.sendall(b"".join(replies))
                body = []
                while True:
                    data = reader.readline()
                    if not data or data == b".\r\n":
                        break
                    body.append(data)
                self.messages.append(b"".join(body))
                conn.sendall(b"250 2.0.0 Ok: queued as PROBE\r\n")
                pending = []

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.listener.close()
        self._thread.join(timeout=10)


class SilentPeer:
    """A listening socket that never accepts: connects succeed (backlog),
    no greeting ever comes."""

    def __init__(self, host, port):
        self.listener = socket.create_server((host, port), backlog=8)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.listener.close()


def make_certificates(directory, host):
    """A test CA, a server certificate for `host` signed by it, and a
    self-signed certificate for the same host. Returns a dict of paths."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Postino Test CA", "-days", "2")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={host}")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:{host}\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    run("req", "-x509", *ec, "-keyout", "self.key", "-out", "self.crt", "-subj", f"/CN={host}", "-days", "2",
        "-addext", f"subjectAltName=DNS:{host}")
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o644)
    p = lambda name: os.path.join(directory, name)
    return {"ca": p("ca.crt"), "server": (p("server.crt"), p("server.key")), "self": (p("self.crt"), p("self.key"))}
