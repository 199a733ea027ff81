"""`postino init` and `postino config check`, as an operator runs them."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import POSTINO, Node, read_text


class InitTest(unittest.TestCase):
    def test_init_writes_config_certificate_and_store(self):
        with Node(domain="example.test") as node:
            text = read_text(node.config)
            self.assertIn('hostname = "mail.example.test"', text)
            self.assertTrue(os.path.exists(os.path.join(node.dir, "tls", "cert.pem")))
            key = os.path.join(node.dir, "tls", "key.pem")
            self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
            # the certificate is a real X.509 certificate for the hostname
            out = subprocess.run(["openssl", "x509", "-in", os.path.join(node.dir, "tls", "cert.pem"),
                                  "-noout", "-ext", "subjectAltName"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("DNS:mail.example.test", out.stdout)
            domains = node.cli("-f", "json", "domain", "list")
            self.assertEqual(domains.returncode, 0, domains.stderr)
            self.assertEqual([d["domain"] for d in json.loads(domains.stdout)], ["example.test"])

    def test_init_with_offset_and_hostname(self):
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run([POSTINO, "init", "--data", d, "--domain", "uni.example",
                                  "--hostname", "mx1.uni.example", "--port-offset", "10000"],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            text = read_text(os.path.join(d, "postino.toml"))
            for name, port in [("smtp", 10025), ("lmtp", 10024), ("submission", 10587),
                               ("submissions", 10465), ("pop3", 10110), ("pop3s", 10995),
                               ("imap", 10143), ("imaps", 10993), ("managesieve", 14190),
                               ("https", 10443)]:
                self.assertIn(f"[listeners.{name}]\naddress = \"127.0.0.1\"\nport = {port}\n", text)
            self.assertIn('hostname = "mx1.uni.example"', text)

    def test_init_refuses_to_overwrite(self):
        with Node() as node:
            before = read_text(node.config)
            out = subprocess.run([POSTINO, "init", "--data", node.dir, "--domain", "other.test"],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn("already exists", out.stderr)
            self.assertEqual(read_text(node.config), before)

    def test_init_rejects_bad_domain(self):
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run([POSTINO, "init", "--data", d, "--domain", "not a domain"],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn("invalid domain", out.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "postino.toml")))


class ConfigCheckTest(unittest.TestCase):
    def test_valid_config_passes(self):
        with Node() as node:
            out = node.cli("config", "check")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("status:", out.stdout)

    def test_config_from_environment(self):
        with Node() as node:
            env = dict(os.environ, POSTINO_CONFIG=node.config)
            out = subprocess.run([POSTINO, "config", "check"], capture_output=True, text=True, env=env)
            self.assertEqual(out.returncode, 0, out.stderr)

    def test_errors_have_file_and_line(self):
        with Node() as node:
            node.write_drop_in("90-bad.toml",
                               "[limits]\nmax_conections = 5\n\n[log]\nlevel = \"loud\"\n"
                               "[listeners.imaps]\nport = 70000\n")
            out = node.cli("config", "check")
            self.assertEqual(out.returncode, 1)
            bad = os.path.join(node.dir, "conf.d", "90-bad.toml")
            self.assertIn(f"{bad}:2: unknown setting 'limits.max_conections'", out.stderr)
            self.assertIn(f"{bad}:5: 'log.level' must be one of", out.stderr)
            self.assertIn(f"{bad}:7: 'listeners.imaps.port' must be between 1 and 65535", out.stderr)

    def test_syntax_error(self):
        with Node() as node:
            with open(node.config, "a") as f:
                f.write("\n[broken\n")
            out = node.cli("config", "check")
            self.assertEqual(out.returncode, 1)
            self.assertRegex(out.stderr, r"postino\.toml:\d+: ")

    def test_missing_config(self):
        out = subprocess.run([POSTINO, "config", "check"], capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "POSTINO_CONFIG"})
        self.assertEqual(out.returncode, 1)
        self.assertIn("--config", out.stderr)


if __name__ == "__main__":
    unittest.main()
