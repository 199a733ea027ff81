"""Node.js clients for integration tests: installs the npm packages named in
node/package.json into node/node_modules (once; npm's own cache makes reruns
cheap) with the system's npm. Only an unreachable registry is a reason to
skip a test; every other failure is an error."""
import os
import shutil
import subprocess

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")

# npm's messages when it cannot reach the registry at all.
UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH",
               "EHOSTUNREACH", "network request to", "getaddrinfo")


class NpmUnreachable(Exception):
    pass


def node_binary():
    return shutil.which("node") or shutil.which("nodejs")


def ensure_packages():
    """Returns the node folder once `require("nodemailer")` works there.
    Raises NpmUnreachable when the registry cannot be reached, RuntimeError
    for anything else."""
    node = node_binary()
    if node is None:
        raise RuntimeError("node is not installed: run scripts/install-deps")
    if _require_works(node):
        return NODE_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: run scripts/install-deps")
    out = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", NODE_DIR],
                         cwd=NODE_DIR, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        text = out.stdout + out.stderr
        if any(marker in text for marker in UNREACHABLE):
            raise NpmUnreachable("npm registry unreachable:\n" + text[-2000:])
        raise RuntimeError("npm install failed:\n" + text[-4000:])
    if not _require_works(node):
        raise RuntimeError("npm install succeeded but nodemailer cannot be loaded")
    return NODE_DIR


def _require_works(node):
    out = subprocess.run([node, "-e", "require('nodemailer')"], cwd=NODE_DIR, capture_output=True, text=True,
                         timeout=60)
    return out.returncode == 0
