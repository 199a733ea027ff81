"""`postino serve`: readiness, TLS on the implicit-TLS ports (checked with
openssl s_client), graceful SIGTERM, SIGHUP reload, connection limits and
PROXY protocol v2."""
import os
import signal
import socket
import ssl
import struct
import subprocess
import time
import unittest

from harness import Node, read_text

IMPLICIT_TLS = ["submissions", "pop3s", "imaps", "https"]


def s_client(port, cafile, *extra):
    return subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "mail.example.test",
         "-CAfile", cafile, "-verify_return_error", "-brief", *extra],
        input="", capture_output=True, text=True, timeout=60)


def recv_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode()


def cert_fingerprint(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="mail.example.test") as tls:
            return tls.getpeercert(binary_form=True)


class ServeTest(unittest.TestCase):
    def test_tls_on_implicit_ports(self):
        with Node() as node:
            node.start()
            cafile = os.path.join(node.dir, "tls", "cert.pem")
            for name in IMPLICIT_TLS:
                out = s_client(node.ports[name], cafile)
                self.assertEqual(out.returncode, 0, f"{name}: {out.stderr}")
                self.assertIn("Verification: OK", out.stderr, name)
                self.assertIn("Protocol version: TLSv1.3", out.stderr, name)
                tls12 = s_client(node.ports[name], cafile, "-tls1_2")
                self.assertEqual(tls12.returncode, 0, f"{name}: {tls12.stderr}")
                self.assertIn("Protocol version: TLSv1.2", tls12.stderr)
            # TLS 1.1 and older are refused
            old = s_client(node.ports["imaps"], cafile, "-tls1_1")
            self.assertNotEqual(old.returncode, 0)
            # the protocol speaks after the handshake
            ctx = ssl.create_default_context(cafile=cafile)
            with socket.create_connection(("127.0.0.1", node.ports["imaps"]), timeout=30) as raw:
                with ctx.wrap_socket(raw, server_hostname="mail.example.test") as tls:
                    self.assertTrue(recv_line(tls).startswith("* OK [CAPABILITY IMAP4rev1"))
            self.assertEqual(node.stop(), 0)

    def test_plain_ports_greet(self):
        with Node() as node:
            node.start()
            with socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30) as s:
                self.assertTrue(recv_line(s).startswith("220 mail.example.test ESMTP"))
            with socket.create_connection(("127.0.0.1", node.ports["submission"]), timeout=30) as s:
                self.assertTrue(recv_line(s).startswith("220 mail.example.test ESMTP"))
            with socket.create_connection(("127.0.0.1", node.ports["imap"]), timeout=30) as s:
                self.assertTrue(recv_line(s).startswith("* OK [CAPABILITY IMAP4rev1"))
            with socket.create_connection(("127.0.0.1", node.ports["pop3"]), timeout=30) as s:
                self.assertTrue(recv_line(s).startswith("+OK Postino POP3 ready"))
            # roles not built yet answer with their protocol's refusal
            with socket.create_connection(("127.0.0.1", node.ports["managesieve"]), timeout=30) as s:
                self.assertTrue(recv_line(s).startswith("BYE "))
            self.assertEqual(node.stop(), 0)

    def test_sigterm_is_graceful(self):
        with Node() as node:
            node.start()
            pid_file = os.path.join(node.dir, "postino.pid")
            self.assertEqual(int(read_text(pid_file)), node.proc.pid)
            s = socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30)
            self.assertTrue(recv_line(s).startswith("220"))
            node.send_signal(signal.SIGTERM)
            # the idle session is told goodbye, not cut off
            self.assertTrue(recv_line(s).startswith("421 4.3.2"))
            s.close()
            self.assertEqual(node.stop(), 0)
            self.assertFalse(os.path.exists(pid_file))
            log = node.server_log()
            self.assertIn("server_stopping", log)
            self.assertIn("server_stopped", log)
            # (No check that the port is closed afterwards: under ctest -j2 a
            # parallel test may pick the freed port for its own listener.)

    def test_sighup_reloads_certificate(self):
        with Node() as node:
            node.start()
            before = cert_fingerprint(node.ports["imaps"])
            tls = os.path.join(node.dir, "tls")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-days", "2", "-subj", "/CN=mail.example.test",
                            "-keyout", os.path.join(tls, "key.pem"), "-out", os.path.join(tls, "cert.pem")],
                           check=True, capture_output=True)
            node.send_signal(signal.SIGHUP)
            self.assertTrue(node.wait_for_log("config_reloaded"), node.server_log())
            after = cert_fingerprint(node.ports["imaps"])
            self.assertNotEqual(before, after)

            # a broken config on reload is reported and the old one kept
            node.write_drop_in("90-broken.toml", "[limits]\nnonsense = 1\n")
            node.send_signal(signal.SIGHUP)
            self.assertTrue(node.wait_for_log("config_reload_failed"), node.server_log())
            self.assertIn("unknown setting 'limits.nonsense'", node.server_log())
            self.assertEqual(cert_fingerprint(node.ports["imaps"]), after)
            self.assertEqual(node.stop(), 0)

    def test_bad_config_does_not_start(self):
        with Node() as node:
            node.write_drop_in("90-bad.toml", "[tls]\ncertificate = \"missing.pem\"\n")
            out = subprocess.run([os.environ.get("POSTINO_BIN", "postino"), "serve", "--config", node.config],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 1)
            self.assertIn("missing.pem", out.stderr)

    def test_port_in_use_is_reported(self):
        with Node() as node:
            blocker = socket.socket()
            blocker.bind(("127.0.0.1", node.ports["imap"]))
            blocker.listen()
            out = subprocess.run([os.environ.get("POSTINO_BIN", "postino"), "serve", "--config", node.config],
                                 capture_output=True, text=True, timeout=60)
            blocker.close()
            self.assertEqual(out.returncode, 1)
            self.assertIn(str(node.ports["imap"]), out.stderr)


class LimitsTest(unittest.TestCase):
    def test_per_ip_limit(self):
        with Node(extra_config="[limits]\nmax_connections_per_ip = 3\n") as node:
            node.start()
            held = []
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30)
                self.assertTrue(recv_line(s).startswith("220"))
                held.append(s)
            extra = socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30)
            self.assertTrue(recv_line(extra).startswith("421 4.7.0"))
            extra.close()
            # the cap counts connections across listeners
            with socket.create_connection(("127.0.0.1", node.ports["lmtp"]), timeout=30) as s:
                self.assertTrue(recv_line(s).startswith("421 4.7.0"))
            # a closed session frees its place
            quitter = held.pop()
            quitter.sendall(b"QUIT\r\n")
            recv_line(quitter)
            quitter.close()
            deadline = time.monotonic() + 30
            while True:
                with socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30) as s:
                    if recv_line(s).startswith("220"):
                        break
                self.assertLess(time.monotonic(), deadline, "slot never released")
            for s in held:
                s.close()
            self.assertIn("connection_refused", node.server_log())
            self.assertEqual(node.stop(), 0)

    def test_total_limit(self):
        with Node(extra_config="[limits]\nmax_connections = 2\n") as node:
            node.start()
            a = socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30)
            b = socket.create_connection(("127.0.0.1", node.ports["submission"]), timeout=30)
            recv_line(a), recv_line(b)
            with socket.create_connection(("127.0.0.1", node.ports["pop3"]), timeout=30) as c:
                self.assertTrue(recv_line(c).startswith("-ERR [SYS/TEMP]"))
            a.close()
            b.close()
            self.assertEqual(node.stop(), 0)


def proxy_v2_header(src, dst, sport, dport):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    addrs = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return sig + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs


class ProxyProtocolTest(unittest.TestCase):
    def test_trusted_proxy_sets_client_address(self):
        cfg = "[proxy_protocol]\ntrusted = [\"127.0.0.0/8\"]\n\n[listeners.smtp]\nproxy_protocol = true\n"
        with Node(extra_config=cfg) as node:
            node.start()
            with socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30) as s:
                s.sendall(proxy_v2_header("192.0.2.10", "198.51.100.1", 40000, 25))
                self.assertTrue(recv_line(s).startswith("220"))
                s.sendall(b"QUIT\r\n")
                recv_line(s)
            self.assertTrue(node.wait_for_log("192.0.2.10"), node.server_log())
            self.assertEqual(node.stop(), 0)

    def test_untrusted_peer_is_dropped(self):
        cfg = "[proxy_protocol]\ntrusted = [\"10.0.0.0/8\"]\n\n[listeners.smtp]\nproxy_protocol = true\n"
        with Node(extra_config=cfg) as node:
            node.start()
            with socket.create_connection(("127.0.0.1", node.ports["smtp"]), timeout=30) as s:
                s.sendall(proxy_v2_header("192.0.2.10", "198.51.100.1", 40000, 25))
                self.assertEqual(s.recv(100), b"")  # closed without a greeting
            self.assertNotIn("client=192.0.2.10", node.server_log())
            self.assertEqual(node.stop(), 0)


if __name__ == "__main__":
    unittest.main()
