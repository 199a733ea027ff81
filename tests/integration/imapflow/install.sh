#!/usr/bin/env bash
# Installs the imapflow IMAP client (npm registry) for test_imap_imapflow.py
# into a test-local directory: tests/integration/imapflow/deps by default, or
# $1. Idempotent: an existing install of the pinned version is kept.
set -euo pipefail
version=2.10.2
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:-$here/deps}"
installed="$prefix/node_modules/imapflow/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --no-save "imapflow@$version"
