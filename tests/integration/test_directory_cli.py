"""`postino domain|user|alias` round trips, human and JSON output, errors."""
import json
import subprocess
import unittest

from harness import Node


def j(out):
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout)


class DirectoryCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(domain="example.test")

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def cli(self, *args, **kw):
        return self.node.cli(*args, **kw)

    def test_domain_round_trip(self):
        out = self.cli("domain", "add", "Uni.Example")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("uni.example", out.stdout)
        names = [d["domain"] for d in j(self.cli("-f", "json", "domain", "list"))]
        self.assertIn("uni.example", names)
        dup = self.cli("domain", "add", "uni.example")
        self.assertEqual(dup.returncode, 1)
        self.assertIn("already", dup.stderr)
        self.assertEqual(self.cli("domain", "del", "uni.example").returncode, 0)
        names = [d["domain"] for d in j(self.cli("-f", "json", "domain", "list"))]
        self.assertNotIn("uni.example", names)
        bad = self.cli("domain", "add", "no_underscores.example")
        self.assertEqual(bad.returncode, 1)

    def test_user_round_trip(self):
        self.node.add_user("Alice@Example.Test", "correct horse battery", "--quota", "2G")
        user = j(self.cli("-f", "json", "user", "show", "alice@example.test"))
        self.assertEqual(user["address"], "alice@example.test")
        self.assertEqual(user["quota_bytes"], 2 << 30)
        self.assertEqual(user["status"], "active")
        self.assertEqual(user["password_scheme"], "YESCRYPT")
        self.assertNotIn("password", user)

        ok = self.cli("user", "auth-test", "alice@example.test", input="correct horse battery\n")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        wrong = self.cli("user", "auth-test", "alice@example.test", input="wrong\n")
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("authentication failed", wrong.stderr)
        unknown = self.cli("user", "auth-test", "nobody@example.test", input="wrong\n")
        self.assertEqual(unknown.stderr, wrong.stderr)  # no user enumeration

        self.assertEqual(self.cli("user", "set-quota", "alice@example.test", "10G").returncode, 0)
        self.assertEqual(j(self.cli("-f", "json", "user", "show", "alice@example.test"))["quota_bytes"], 10 << 30)

        out = self.cli("user", "passwd", "alice@example.test", "--password-stdin", input="new secret\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.cli("user", "auth-test", "alice@example.test", input="new secret\n").returncode, 0)

        self.assertEqual(self.cli("user", "disable", "alice@example.test").returncode, 0)
        disabled = self.cli("user", "auth-test", "alice@example.test", input="new secret\n")
        self.assertEqual(disabled.returncode, 1)
        self.assertIn("disabled", disabled.stderr)
        self.assertEqual(self.cli("user", "enable", "alice@example.test").returncode, 0)

        listed = [u["address"] for u in j(self.cli("-f", "json", "user", "list"))]
        self.assertIn("alice@example.test", listed)
        human = self.cli("user", "list", "example.test")
        self.assertIn("alice@example.test", human.stdout)
        self.assertEqual(self.cli("user", "del", "alice@example.test").returncode, 0)
        gone = self.cli("user", "show", "alice@example.test")
        self.assertEqual(gone.returncode, 1)

    def test_generated_password(self):
        out = j(self.cli("-f", "json", "user", "add", "gen@example.test"))
        self.assertGreaterEqual(len(out["password"]), 16)
        ok = self.cli("user", "auth-test", "gen@example.test", input=out["password"] + "\n")
        self.assertEqual(ok.returncode, 0, ok.stderr)

    def test_user_errors(self):
        self.node.add_user("dup@example.test", "pw-one")
        dup = self.cli("user", "add", "DUP@example.test", "--password-stdin", input="pw\n")
        self.assertEqual(dup.returncode, 1)
        self.assertIn("already exists", dup.stderr)
        bad = self.cli("user", "add", "not-an-address", "--password-stdin", input="pw\n")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("not-an-address", bad.stderr)
        foreign = self.cli("user", "add", "x@elsewhere.example", "--password-stdin", input="pw\n")
        self.assertEqual(foreign.returncode, 1)
        self.assertIn("elsewhere.example", foreign.stderr)
        quota = self.cli("user", "add", "q@example.test", "--quota", "lots", "--password-stdin", input="pw\n")
        self.assertEqual(quota.returncode, 1)
        self.assertIn("invalid size", quota.stderr)
        empty = self.cli("user", "add", "e@example.test", "--password-stdin", input="\n")
        self.assertEqual(empty.returncode, 1)
        err = j(subprocess.CompletedProcess([], 0, self.cli("-f", "json", "user", "show", "ghost@example.test").stdout, ""))
        self.assertEqual(err["ok"], False)
        self.assertEqual(err["error"], "not_found")

    def test_alias_round_trip(self):
        self.node.add_user("bob@example.test", "pw-bob")
        self.node.add_user("carol@example.test", "pw-carol")
        out = self.cli("alias", "add", "staff@example.test", "bob@example.test", "carol@example.test",
                       "Someone@Elsewhere.Example")
        self.assertEqual(out.returncode, 0, out.stderr)
        aliases = {a["address"]: a["targets"] for a in j(self.cli("-f", "json", "alias", "list"))}
        self.assertEqual(aliases["staff@example.test"],
                         ["bob@example.test", "carol@example.test", "Someone@elsewhere.example"])
        self.assertEqual(self.cli("alias", "del", "staff@example.test", "carol@example.test").returncode, 0)
        aliases = {a["address"]: a["targets"] for a in j(self.cli("-f", "json", "alias", "list"))}
        self.assertEqual(aliases["staff@example.test"], ["bob@example.test", "Someone@elsewhere.example"])
        shadow = self.cli("alias", "add", "bob@example.test", "carol@example.test")
        self.assertEqual(shadow.returncode, 1)
        bad_target = self.cli("alias", "add", "x@example.test", "not an address")
        self.assertEqual(bad_target.returncode, 1)
        foreign = self.cli("alias", "add", "x@elsewhere.example", "bob@example.test")
        self.assertEqual(foreign.returncode, 1)
        self.assertEqual(self.cli("alias", "del", "staff@example.test").returncode, 0)
        aliases = {a["address"] for a in j(self.cli("-f", "json", "alias", "list"))}
        self.assertNotIn("staff@example.test", aliases)

    def test_domain_with_users_cannot_be_deleted(self):
        self.assertEqual(self.cli("domain", "add", "busy.example").returncode, 0)
        self.node.add_user("u@busy.example", "pw")
        out = self.cli("domain", "del", "busy.example")
        self.assertEqual(out.returncode, 1)
        self.assertEqual(self.cli("user", "del", "u@busy.example").returncode, 0)
        self.assertEqual(self.cli("domain", "del", "busy.example").returncode, 0)


if __name__ == "__main__":
    unittest.main()
