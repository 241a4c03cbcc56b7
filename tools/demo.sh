#!/usr/bin/env bash
# The local demo: installs what the machine lacks (tools/setup.sh demo), builds the WASM core and the pages, starts the test bed with seeded boards and
# sprints, serves the app's three pages on localhost (invoke wired to the real resolvers) and runs
# the scheduled check on a fast simulated clock. It prints the URL and what to try.
#   tools/demo.sh [--port 8080] [--speed 3600]   the web demo (default)
#   tools/demo.sh --console [DAYS]               no browser: print what the app did over DAYS (16)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh demo
tools/build-wasm.sh
if [ "${1:-}" = "--console" ]; then
  shift
  exec node tests/demo/run.js "$@"
fi
exec node tests/demo/run.js --serve "$@"
