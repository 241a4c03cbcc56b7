#!/usr/bin/env node
'use strict';
// Offline `forge lint` (client-side linters only) with the real @forge/lint and Atlassian's real Jira
// OpenAPI files, so the permission linter reports real scope requirements. No CLI, login or network:
//  - the permission linter downloads six OpenAPI files unless USE_LOCAL_SWAGGER and all six LOCAL_*_SWAGGER
//    variables name local files: Jira platform + Jira Software get the real specs, JSM / Confluence (v1, v2)
//    / Bitbucket get tests/platform/spec-stubs/empty.json (no routes known);
//  - the Statsig service the manifest linters take is replaced by a one-method stand-in;
//  - the linter's cache (npm "conf") is kept under a fresh temp XDG_CONFIG_HOME.
// Lints every .js/.ts file under <app>/src (the symlink is followed), generated/ included.
// Usage: node tests/platform/lint-offline.js [appDir]   (default: the repo root)
// Env: SHARED_DIR (default: <repo>/../shared; specs in $SHARED_DIR/specs), JIRA_SPEC / JSW_SPEC override files.
// Exit: 0 = no errors (warnings allowed), 1 = lint errors or a linter crashed (e.g. PermissionLinter throws
// "Unknown product" on any call to a function whose name contains requestJira/requestConfluence/requestBitbucket,
// like requestJiraAsApp(); forge lint only prints a warning then), 2 = the check could not run.
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const EMPTY_SPEC = path.join(__dirname, 'spec-stubs', 'empty.json');

function specFiles() {
  const specsDir = path.join(path.resolve(REPO, process.env.SHARED_DIR || path.join('..', 'shared')), 'specs');
  const files = {
    LOCAL_JIRA_SWAGGER: path.resolve(process.env.JIRA_SPEC || path.join(specsDir, 'jira-platform-v3.openapi.json')),
    LOCAL_JSW_SWAGGER: path.resolve(process.env.JSW_SPEC || path.join(specsDir, 'jira-software-cloud.openapi.json')),
    LOCAL_JSM_SWAGGER: EMPTY_SPEC,
    LOCAL_CONF_SWAGGER: EMPTY_SPEC,
    LOCAL_CONF_V2_SWAGGER: EMPTY_SPEC,
    LOCAL_BB_SWAGGER: EMPTY_SPEC,
  };
  for (const [name, file] of Object.entries(files)) {
    if (!fs.existsSync(file)) throw new Error(`${name}: spec file not found: ${file} (set SHARED_DIR, JIRA_SPEC or JSW_SPEC)`);
  }
  return files;
}

function listSources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
    const p = path.join(dir, d.name);
    const isDir = d.isDirectory() || (d.isSymbolicLink() && fs.statSync(p).isDirectory());
    if (isDir) return listSources(p);
    return /\.(c|m)?[jt]sx?$/.test(d.name) ? [p] : [];
  });
}

/**
 * Lint the app in `appDir` (manifest.yml + src/). Returns {results, counts, files, issues}; `issues` is a
 * flat list {file, level, line, column, message, metadata}. The cwd is the app dir while the linter runs
 * (its handler linter matches `src/<file>` paths relative to the cwd).
 */
async function lintApp(appDir = REPO, { manifestFile = 'manifest.yml', srcDir = 'src' } = {}) {
  Object.assign(process.env, { USE_LOCAL_SWAGGER: '1', ...specFiles() });
  if (!process.env.FORGE_LINT_KEEP_XDG) {
    process.env.XDG_CONFIG_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-lint-xdg-'));
  }
  const { lint, problemCount } = require('@forge/lint');
  const YAML = require('yaml');
  const statsigStub = { getDeprecatedRuntimes: async () => [] }; // all the client-side linters call
  // The linters report their own crashes only as an info line ("Could not perform some linting actions for
  // <Linter> due to unhandled error ...") and return no results: a crashed PermissionLinter silently disables
  // every scope check. Collect those lines and count them as errors.
  const messages = [];
  const keep = (m) => messages.push(String(m));
  const logger = { info: keep, warn: keep, error: keep, debug() {}, trace() {} };
  const cwd = process.cwd();
  process.chdir(appDir);
  try {
    const manifest = YAML.parse(fs.readFileSync(manifestFile, 'utf8'));
    const files = listSources(srcDir);
    const results = await lint(files, manifest, 'development', logger, statsigStub, { linter: { mode: 'client-side' } });
    const issues = results.flatMap((r) => [
      ...r.errors.map((e) => ({ level: 'error', ...e })),
      ...r.warnings.map((e) => ({ level: 'warning', ...e })),
      ...r.approvals.map((e) => ({ level: 'approval', ...e })),
    ].map((e) => ({ file: r.file, level: e.level, line: e.line, column: e.column, message: e.message, metadata: e.metadata })));
    // eslint-disable-next-line no-control-regex
    const plain = (m) => m.replace(/\x1b\[[0-9;]*m/g, '').trim();
    for (const m of messages.map(plain).filter((x) => /Could not perform some linting actions/.test(x))) {
      issues.push({ file: '', level: 'error', line: 0, column: 0, message: `LINTER CRASHED: ${m}`, metadata: { linterFailed: true } });
    }
    const counts = problemCount(results);
    counts.errors += issues.filter((i) => i.metadata && i.metadata.linterFailed).length;
    return { results, counts, files, issues };
  } finally {
    process.chdir(cwd);
    if (!process.env.FORGE_LINT_KEEP_XDG) fs.rmSync(process.env.XDG_CONFIG_HOME, { recursive: true, force: true });
  }
}

module.exports = { lintApp, REPO };

if (require.main === module) {
  const appDir = path.resolve(process.argv[2] || REPO);
  const t0 = Date.now();
  lintApp(appDir).then(({ counts, files, issues }) => {
    for (const i of issues) {
      console.log(`${i.level.toUpperCase()} ${i.file || '(manifest)'}:${i.line}:${i.column} ${i.message.replace(/\s+/g, ' ').trim()}`);
    }
    console.log(`linted ${files.length} file(s) in ${Date.now() - t0} ms: ${counts.errors} error(s), ${counts.warnings} warning(s), ${counts.approvals} approval(s)`);
    process.exitCode = counts.errors > 0 ? 1 : 0;
  }).catch((e) => {
    console.error('LINT DID NOT RUN:', e);
    process.exitCode = 2;
  });
}
