'use strict';
// The catalogue of every Jira REST route the core may ask for. It is three things at once:
//  1. what @forge/lint's permission linter reads: each `send` is a call `c.requestJira(route`...`, {..., method: 'X'})`
//     whose first argument is a tagged template on ONE line and whose second is an object literal with a
//     string-literal `method` (anything else is skipped or taken as GET: see tests/platform/README.md);
//  2. the driver's allowlist: `match(method, path)` accepts only a method + path (+ query) of an entry,
//     with each {param} a plain id ([A-Za-z0-9_-]+), and only for the entry's actors;
//  3. the executor: the request is rebuilt with @forge/api's `route` tag (which rejects path tricks), never
//     with assumeTrustedRoute.
// Keep `method` + `path` equal to the template in `send`: tests/platform/scopes.test.js verifies it with the
// linter's own parser.
const { route } = require('@forge/api');

const ROUTES = [
  { method: 'GET', path: '/rest/agile/1.0/board', actors: ['app', 'user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/board?${query}`, { ...init, method: 'GET' }) },
  { method: 'GET', path: '/rest/agile/1.0/board/{boardId}', actors: ['app', 'user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/board/${p.boardId}?${query}`, { ...init, method: 'GET' }) },
  { method: 'GET', path: '/rest/agile/1.0/board/{boardId}/configuration', actors: ['app', 'user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/board/${p.boardId}/configuration?${query}`, { ...init, method: 'GET' }) },
  { method: 'GET', path: '/rest/agile/1.0/board/{boardId}/sprint', actors: ['app', 'user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/board/${p.boardId}/sprint?${query}`, { ...init, method: 'GET' }) },
  { method: 'POST', path: '/rest/agile/1.0/sprint', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint?${query}`, { ...init, method: 'POST' }) },
  { method: 'GET', path: '/rest/agile/1.0/sprint/{sprintId}', actors: ['app', 'user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint/${p.sprintId}?${query}`, { ...init, method: 'GET' }) },
  { method: 'POST', path: '/rest/agile/1.0/sprint/{sprintId}', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint/${p.sprintId}?${query}`, { ...init, method: 'POST' }) },
  { method: 'DELETE', path: '/rest/agile/1.0/sprint/{sprintId}', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint/${p.sprintId}?${query}`, { ...init, method: 'DELETE' }) },
  { method: 'POST', path: '/rest/agile/1.0/sprint/{sprintId}/swap', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint/${p.sprintId}/swap?${query}`, { ...init, method: 'POST' }) },
  { method: 'GET', path: '/rest/agile/1.0/sprint/{sprintId}/issue', actors: ['app', 'user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint/${p.sprintId}/issue?${query}`, { ...init, method: 'GET' }) },
  { method: 'POST', path: '/rest/agile/1.0/sprint/{sprintId}/issue', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/sprint/${p.sprintId}/issue?${query}`, { ...init, method: 'POST' }) },
  { method: 'POST', path: '/rest/agile/1.0/backlog/issue', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/backlog/issue?${query}`, { ...init, method: 'POST' }) },
  { method: 'POST', path: '/rest/agile/1.0/backlog/{boardId}/issue', actors: ['app'],
    send: (c, p, query, init) => c.requestJira(route`/rest/agile/1.0/backlog/${p.boardId}/issue?${query}`, { ...init, method: 'POST' }) },
  { method: 'GET', path: '/rest/api/3/mypermissions', actors: ['user'],
    send: (c, p, query, init) => c.requestJira(route`/rest/api/3/mypermissions?${query}`, { ...init, method: 'GET' }) },
];

const ID = '[A-Za-z0-9_-]+';
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
for (const r of ROUTES) {
  const parts = r.path.split(/(\{\w+\})/).map((s) => (/^\{\w+\}$/.test(s) ? `(?<${s.slice(1, -1)}>${ID})` : escapeRe(s)));
  r.regex = new RegExp(`^${parts.join('')}$`);
}

/**
 * The catalogue entry for a request, or null when the core asked for something not listed.
 * `path` may carry a query string (it is parsed, then re-encoded by URLSearchParams).
 */
function match(method, path, actor) {
  const [pathname, search = ''] = String(path).split(/\?(.*)/s);
  for (const r of ROUTES) {
    if (r.method !== method || (actor && !r.actors.includes(actor))) continue;
    const m = r.regex.exec(pathname);
    if (m) return { entry: r, params: { ...m.groups }, query: new URLSearchParams(search) };
  }
  return null;
}

/** Send an allowed request with `client` (api.asApp() / api.asUser()); throws ROUTE_NOT_ALLOWED otherwise. */
function send(client, { actor, method, path }, init = {}) {
  const hit = match(method, path, actor);
  if (!hit) {
    const e = new Error(`Jira route not in the catalogue: ${actor || ''} ${method} ${String(path).split('?')[0]}`);
    e.code = 'ROUTE_NOT_ALLOWED';
    throw e;
  }
  return hit.entry.send(client, hit.params, hit.query, init);
}

module.exports = { ROUTES, match, send };
