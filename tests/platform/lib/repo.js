'use strict';
// Small helpers shared by the platform checks: repo paths, the manifest, version sources.
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const REPO = path.resolve(__dirname, '..', '..', '..');
const SHIM_NODE_MODULES = path.join(REPO, 'forge-shim', 'node_modules');

function readManifest(file = path.join(REPO, 'manifest.yml')) {
  return YAML.parse(fs.readFileSync(file, 'utf8'));
}

/** `version` under [workspace.package] of the root Cargo.toml (no TOML library needed for this one key). */
function cargoWorkspaceVersion(file = path.join(REPO, 'Cargo.toml')) {
  const text = fs.readFileSync(file, 'utf8');
  const section = text.split(/^\[/m).find((s) => s.startsWith('workspace.package]'));
  const m = section && section.match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error(`${file}: no version in [workspace.package]`);
  return m[1];
}

/** Every function module of the manifest: {key, handler, file, exportName}. */
function manifestFunctions(manifest) {
  return ((manifest.modules && manifest.modules.function) || []).map((f) => {
    const [file, exportName, ...rest] = String(f.handler).split('.');
    return { key: f.key, handler: f.handler, file, exportName, malformed: rest.length > 0 || !file || !exportName };
  });
}

module.exports = { REPO, SHIM_NODE_MODULES, readManifest, cargoWorkspaceVersion, manifestFunctions };
