'use strict';
// Forge entry point: re-exports exactly the handlers manifest.yml names (checked by a test).
const { resolver } = require('./handlers/resolver');
const { lifecycle } = require('./handlers/lifecycle');
const { scheduledCheck, queueWorker, sprintEvent } = require('./handlers/engine');

module.exports = { resolver, lifecycle, scheduledCheck, queueWorker, sprintEvent };
