'use strict';
// Helpers for the test bed's own tests: a tiny stand-in Jira (the real emulator lives in
// tests/testbed/jira/emulator.js) and the path of the fixture app.
const http = require('http');
const path = require('path');

const FIXTURE_APP = path.join(__dirname, 'fixture-app');
const FORGE_NODE_MODULES = path.resolve(__dirname, '..', '..', 'forge-shim', 'node_modules');
/** require one of the REAL @forge packages the app uses (same module instances as the app) */
const forgeRequire = (name) => require(require.resolve(name, { paths: [path.join(FIXTURE_APP, 'src')] }));

/** Minimal Jira: records requests; /rest/api/3/myself needs x-forge-account-id when x-forge-provider is user */
async function createStubJira() {
  const requests = [];
  const listeners = [];
  const server = http.createServer((req, res) => {
    const rec = { method: req.method, url: req.url, headers: req.headers };
    requests.push(rec);
    const send = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    const provider = req.headers['x-forge-provider'];
    const account = req.headers['x-forge-account-id'];
    if (req.url === '/rest/api/3/myself') {
      if (provider === 'user' && !account) return send(401, { errorMessages: ['no user'] });
      return send(200, { accountId: account || null, provider });
    }
    if (req.url.startsWith('/rest/agile/1.0/board/')) return send(200, { id: Number(req.url.split('/').pop()), provider });
    return send(404, { errorMessages: ['not found ' + req.url] });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    onSprintEvent(cb) { listeners.push(cb); },
    emitSprintEvent(ev) { for (const l of listeners) l(ev); },
    close: () => new Promise((r) => server.close(r)),
  };
}

module.exports = { createStubJira, FIXTURE_APP, FORGE_NODE_MODULES, forgeRequire };
