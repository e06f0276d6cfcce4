#!/usr/bin/env bash
# Test-only tools from npm: anvil (a real Ethereum node) for the realnode tests, and the npm
# packages the compatibility tests compare against (tests/support/npm_packages.py's cache).
# Idempotent and fast when already installed (a stamp keyed on package-lock.json).
# The anvil binary ships inside the npm package @foundry-rs/anvil-<platform>; install scripts
# are skipped (the wrapper's postinstall is not needed and must not fetch anything).
set -euo pipefail
cd "$(dirname "$0")/node"

if ! command -v npm >/dev/null; then
  echo "test-deps: npm not found; realnode tests (anvil) will not run" >&2
  exit 0
fi

# ipfs-unixfs-importer (what @helia/unixfs uses) computes the reference UnixFS CIDs; installed
# through the same helper the tests use, so a missing install is a test failure, never a skip.
root=$(cd ../.. && pwd)
py=$root/.venv/bin/python; [ -x "$py" ] || py=python3
(cd "$root" && "$py" -c "from tests.support.npm_packages import npm_package; npm_package('ipfs-unixfs-importer', '17.1.1')")

stamp=node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)
if [ -f "$stamp" ] && compgen -G "node_modules/@foundry-rs/anvil-*/bin/anvil*" >/dev/null; then
  exit 0
fi

echo "test-deps: installing anvil from npm (packaging/node)"
# npm install, not npm ci: npm 11 leaves other platforms' optional binary packages out of the
# lock file, which npm ci then rejects as out of sync. --no-save keeps the lock file as committed.
npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error
compgen -G "node_modules/@foundry-rs/anvil-*/bin/anvil*" >/dev/null || {
  echo "test-deps: no anvil binary for this platform in @foundry-rs/anvil" >&2; exit 1; }
touch "$stamp"
