'use strict';
// ESLint flat config (ESLint 10, installed in tests/node_modules; run from the repo root:
//   tests/node_modules/.bin/eslint .
// No plugins and no @eslint/js (not installed): "recommended" is taken from ESLint's own rule metadata
// (meta.docs.recommended, the set @eslint/js's recommended config turns on), and the few globals are listed here
// instead of coming from the `globals` package.
const path = require('path');
const { createRequire } = require('module');

const { builtinRules } = createRequire(path.join(__dirname, 'tests', 'package.json'))('eslint/use-at-your-own-risk');

const recommended = Object.fromEntries(
  [...builtinRules].filter(([, rule]) => rule.meta && rule.meta.docs && rule.meta.docs.recommended).map(([name]) => [name, 'error']),
);

const readonly = (names) => Object.fromEntries(names.map((n) => [n, 'readonly']));
const shared = [
  'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'structuredClone',
  'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal', 'fetch', 'Headers',
  'Request', 'Response', 'FormData', 'Blob', 'Event', 'EventTarget', 'crypto', 'atob', 'btoa', 'WebAssembly',
  'performance',
];
const nodeGlobals = readonly([
  ...shared, 'process', 'Buffer', 'global', 'globalThis', 'setImmediate', 'clearImmediate',
  // CommonJS (also given by sourceType: 'commonjs'; listed for .mjs/.cjs edge cases)
  '__dirname', '__filename',
]);
const browserGlobals = readonly([
  ...shared, 'window', 'document', 'navigator', 'location', 'history', 'localStorage', 'sessionStorage',
  'HTMLElement', 'customElements', 'CustomEvent', 'requestAnimationFrame', 'cancelAnimationFrame', 'alert', 'confirm',
  'MutationObserver', 'ResizeObserver', 'IntersectionObserver', 'getComputedStyle',
]);

const projectRules = {
  ...recommended,
  'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'all', caughtErrorsIgnorePattern: '^_' }],
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-var': 'error',
  'prefer-const': ['error', { destructuring: 'all' }],
  'no-throw-literal': 'error',
  'no-shadow-restricted-names': 'error',
};

module.exports = [
  {
    ignores: [
      '**/node_modules/**', 'target/**', '.cache/**', 'tests/.out/**',
      'forge-shim/src/generated/**', // wasm-bindgen output (tools/build-wasm.sh)
      'src/**', // symlink to forge-shim/src: linted once, under its real path
      'forge-shim/static/**', // built pages (node ui/build.js): their sources under ui/ are linted
    ],
  },
  {
    files: ['forge-shim/src/**/*.js', 'tests/**/*.js', 'tools/**/*.js', 'ui/build.js', 'eslint.config.js', '**/*.cjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'commonjs', globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: projectRules,
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
    rules: projectRules,
  },
  {
    // Custom UI page sources (browser modules, bundled by ui/build.js)
    // (React with JSX: ESLint's scope analysis counts a component used in JSX as used.)
    files: ['ui/src/**/*.js', 'ui/src/**/*.jsx', 'ui/demo-bridge.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: { ...browserGlobals, ...readonly(['Node', 'SVGElement', 'CSSStyleSheet']) },
    },
    rules: projectRules,
  },

];
