'use strict';
// Stand-in for the loader of Atlassian's Forge Node runtime (test use only; see ../README.md).
// @forge/bundler ships this file as __forge__.cjs when FORGE_RUNTIME_PATH names this folder's parent.
// @forge/tunnel's NodeSandbox forks sandbox-runner.js on __forge__.cjs with FORGE_EFS_RUNTIME_PATH (the bundle
// folder) and FORGE_CUSTOM_WRAPPER_FILE_NAME (__forge_wrapper__.cjs = dist/wrapper.js) set: delegate to it.
const path = require('path');

const dir = process.env.FORGE_EFS_RUNTIME_PATH;
const file = process.env.FORGE_CUSTOM_WRAPPER_FILE_NAME || '__forge_wrapper__.cjs';
if (!dir) throw new Error('fake-forge-runtime loader: FORGE_EFS_RUNTIME_PATH is not set');
module.exports = require(path.join(dir, file));
