#!/usr/bin/env node
'use strict';
// Offline validation of the app manifest with the real @forge/manifest validators (what `forge lint` /
// `forge deploy` run first). Two passes: FULL (schema, handler/resource files, modules, scopes, egress) and
// PRODUCT_TRIGGER (trigger events vs. scopes; FULL does not check those).
// Verdict: exit 1 if any problem has level === 'error'; warnings are printed but do not fail (the
// package's own `success` is false for warnings too, so it is not used). Exit 2: the check could not run.
// Usage (from the repo root: app.package.extraFiles globs are resolved against the cwd):
//   node tests/platform/validate-manifest.js [path/to/manifest.yml] [--json]
const path = require('path');
const { ProcessorBuilder, ValidationTypes } = require('@forge/manifest');

async function validate(file) {
  const passes = [];
  for (const type of [ValidationTypes.FULL, ValidationTypes.PRODUCT_TRIGGER]) {
    const res = await ProcessorBuilder.instance().withValidation(type).build().process(file);
    passes.push({ type, success: res.success, problems: res.errors || [] });
  }
  // both passes run the schema validator: report each problem once
  const seen = new Set();
  const problems = passes.flatMap((p) => p.problems.map((e) => ({ pass: p.type, ...e }))).filter((e) => {
    const k = JSON.stringify([e.level, e.message, e.line, e.column]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const errors = problems.filter((e) => e.level === 'error');
  return { file, passes, problems, errors, ok: errors.length === 0 };
}

module.exports = { validate };

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = path.resolve(args.find((a) => !a.startsWith('--')) || 'manifest.yml');
  validate(file).then((r) => {
    if (args.includes('--json')) {
      console.log(JSON.stringify(r, null, 2));
    } else {
      console.log(`manifest: ${path.relative(process.cwd(), r.file) || r.file}`);
      for (const p of r.passes) {
        console.log(`  ${p.type}: success=${p.success} problems=${p.problems.length}`);
      }
      for (const e of r.problems) {
        const where = e.line !== undefined ? `:${e.line}${e.column !== undefined ? `:${e.column}` : ''}` : '';
        console.log(`  ${String(e.level).toUpperCase()} [${e.pass}]${where} ${e.message}`);
      }
      console.log(`${r.ok ? 'OK' : 'FAIL'}: ${r.errors.length} error(s), ${r.problems.length - r.errors.length} warning(s)`);
    }
    process.exitCode = r.ok ? 0 : 1;
  }).catch((e) => {
    console.error('MANIFEST VALIDATION DID NOT RUN:', e);
    process.exitCode = 2;
  });
}
