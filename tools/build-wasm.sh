#!/usr/bin/env bash
# The one build command: the pages (ui/ -> forge-shim/static/) and core -> wasm32 (release, size-optimised) -> wasm-bindgen -> a CommonJS
# module with the .wasm bytes embedded as base64 (what survives Forge's webpack bundling), written to
# forge-shim/src/generated/. Prints the artifact's raw and gzipped size.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source tools/versions.env

pin=$(grep -E '^wasm-bindgen *= *"=' Cargo.toml | sed -E 's/.*"=([^"]+)".*/\1/')
[ "$pin" = "$WASM_BINDGEN_VERSION" ] || { echo "Cargo.toml pins wasm-bindgen =$pin but tools/versions.env says $WASM_BINDGEN_VERSION" >&2; exit 1; }
cli=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
[ "$cli" = "$WASM_BINDGEN_VERSION" ] || { echo "wasm-bindgen CLI is '${cli:-missing}', need $WASM_BINDGEN_VERSION (tools/setup.sh installs it)" >&2; exit 1; }

cargo build --quiet --release --locked --target wasm32-unknown-unknown -p sprint-wasm
out=target/wasm-bindgen
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target nodejs --no-typescript --remove-name-section --remove-producers-section --out-dir "$out" target/wasm32-unknown-unknown/release/sprint_wasm.wasm
node tools/embed-wasm.js "$out/sprint_wasm.js" "$out/sprint_wasm_bg.wasm" forge-shim/src/generated/core.js
# The code lists as TypeScript string unions for the pages (ui/src/shared/codes.d.ts), from the module just built.
node tools/gen-types.js

raw=$(stat -c %s "$out/sprint_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/sprint_wasm_bg.wasm" | wc -c)
echo "wasm: raw ${raw} bytes, gzipped ${gz} bytes -> forge-shim/src/generated/core.js"

# The Custom UI pages (the manifest's resources), bundled with esbuild from ui/.
node ui/build.js
