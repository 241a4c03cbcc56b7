#!/usr/bin/env bash
# Installs what a fresh machine lacks; quick when it is all there. tools/test.sh and tools/demo.sh
# call it first, so nobody has to.
#   tools/setup.sh        everything the tests need: the Rust wasm32 target, clippy and rustfmt, the
#                         wasm-bindgen CLI at the pinned version, cargo-audit, npm packages (the
#                         shim, the tests, the pages' React + Atlaskit)
#                         (npm ci --ignore-scripts: keytar's install script would download from
#                         GitHub), Debian's Chromium, a MariaDB server
#   tools/setup.sh demo   only what the demo needs (no clippy, cargo-audit or Chromium)
set -euo pipefail
mode="${1:-all}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source tools/versions.env

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
[ "$mode" = demo ] || rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # Not --locked: one locked dependency of this CLI release is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$mode" != demo ] && [ "$(cargo audit --version 2>/dev/null | awk '{print $2}')" != "$CARGO_AUDIT_VERSION" ]; then
  # --locked: its newest dependencies need a newer rustc than this toolchain.
  cargo install cargo-audit --version "$CARGO_AUDIT_VERSION" --locked --force
fi

for dir in forge-shim tests ui; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund)
  fi
done

# Debian's Chromium for the browser tests (playwright-core drives it; no browser download).
[ "$mode" = demo ] || [ -x /usr/bin/chromium ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

db_up() { (exec 3<>"/dev/tcp/${MYSQL_HOST:-127.0.0.1}/${MYSQL_PORT:-3306}") 2>/dev/null; }
if ! db_up; then
  if [ ! -x /usr/sbin/mariadbd ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
  fi
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do db_up && break; sleep 0.5; done
  db_up || { echo "MariaDB did not start on 127.0.0.1:3306" >&2; exit 1; }
fi
echo "setup: ok"
