'use strict';
// Forge entry point: re-exports exactly the handlers manifest.yml names (checked by a test).
const { resolver } = require('./handlers/resolver');
const { lifecycle } = require('./handlers/lifecycle');

module.exports = { resolver, lifecycle };
