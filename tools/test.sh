#!/usr/bin/env bash
# The test command (README): every check CI runs, in order, failing on the first red one. It
# installs what the machine lacks first (tools/setup.sh), so a fresh clone needs nothing else.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
SHARED_DIR="${SHARED_DIR:-$root/../shared}"
export SHARED_DIR
section() { printf '\n===== %s\n' "$*"; }
t0=$(date +%s)

section "setup: install what this machine lacks (tools/setup.sh)"
tools/setup.sh

section "build: core -> wasm -> embedded module"
tools/build-wasm.sh

section "rustfmt"
cargo fmt --all -- --check

section "clippy (warnings are errors)"
cargo clippy --quiet --locked --workspace --all-targets -- -D warnings
cargo clippy --quiet --locked -p sprint-wasm --target wasm32-unknown-unknown -- -D warnings

section "core purity: no wasm-bindgen/js-sys in sprint-core, chrono without clock, chrono-tz not at runtime"
if cargo tree --locked -p sprint-core -e normal --prefix none | grep -E '^(wasm-bindgen|js-sys|iana-time-zone) '; then
  echo "sprint-core must not depend on the crates above" >&2; exit 1
fi
cargo tree --locked -p sprint-core -e features -i chrono --prefix none | grep -q 'chrono feature "clock"' && { echo "chrono's clock feature is on in sprint-core" >&2; exit 1; }
# chrono-tz's tables are ~900 KB of WASM: build.rs compiles them into compact ones (src/tz.rs), so
# chrono-tz is a build- and dev-dependency only.
if cargo tree --locked -p sprint-wasm -e normal --prefix none | grep -E '^chrono-tz '; then
  echo "chrono-tz must not be a runtime dependency of sprint-core or sprint-wasm (build.rs and src/tz.rs replace it)" >&2; exit 1
fi

section "core tests (native)"
cargo test --quiet --locked -p sprint-core

section "core tests (wasm32 under wasm-bindgen-test in Node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p sprint-core --target wasm32-unknown-unknown

section "cargo audit (offline RustSec copy)"
cargo audit --db "$SHARED_DIR/advisory-db" --no-fetch --stale

section "manifest validation (FULL + PRODUCT_TRIGGER)"
node tests/platform/validate-manifest.js

section "forge lint (offline, Atlassian's OpenAPI specs)"
node tests/platform/lint-offline.js

section "eslint"
tests/node_modules/.bin/eslint --max-warnings 0 .

section "node suites: emulator conformance, test bed, bundling, end-to-end, proofs, pages in Chromium, soak (short)"
rm -rf tests/.out/audit
node --test --test-concurrency=1 tests/emulator/ tests/testbed-forge/ tests/platform/ tests/e2e/ tests/proof/ tests/ui/ tests/soak/

section "the app's suites again on the test bed's other reading of what Atlassian's pages leave open (TESTBED_PROFILE=alt)"
TESTBED_PROFILE=alt node --test --test-concurrency=1 tests/e2e/ tests/proof/ tests/soak/

section "fleet simulation, quick form (figures for BENCHMARKS.md; fails only if the bench breaks)"
node tests/bench/fleet.js --quick

section "audit of every suite: no egress but Jira/KVS/SQL/queue, no personal data in any log line, no call the platform refused"
node tests/audit/scan.js

echo
echo "all checks passed in $(( $(date +%s) - t0 )) s"
