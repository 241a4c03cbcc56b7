#!/usr/bin/env bash
# The local demo: builds the WASM core, starts the test bed with seeded boards and sprints, runs the
# app's scheduled check over simulated days and prints what it did. Optional argument: days (16).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build-wasm.sh
node tests/demo/run.js "$@"
