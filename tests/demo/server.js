'use strict';
// The local demo as a web server: the real app in the test bed behind the three Custom UI pages.
//   node tests/demo/run.js --serve [--port 8080] [--speed 3600]
// startDemo() is also what the browser tests (tests/ui/) start in-process, with the clock paused.
//
// - seeds project DEMO: a Jira admin, a project admin and a plain user; three scrum boards in
//   different zones (two configured) with an active and a future sprint each, and a kanban board;
// - serves the pages built by ui/build.js with @forge/bridge aliased to ui/demo-bridge.js;
//   ?as=admin|padmin|user picks the caller;
// - POST /invoke {key, payload} -> bed.invokeResolver(key, payload, {accountId}), then drains the
//   queue in the background (bulk jobs run from the queue);
// - GET /jira/rest/api/3/user?accountId= answers display names (the pages ask Jira for them);
// - runs the scheduled check every simulated 5 minutes on a fast clock (default: one real second =
//   one simulated hour), so sprints start and close while you watch (/demo/jira shows them).
const http = require('http');
const path = require('path');
const { performance } = require('perf_hooks');
const { startTestbed } = require('../testbed');
const fs = require('fs');
const YAML = require('yaml');
const { buildPages } = require('../../ui/build.js');

const MINUTE = 60 * 1000;

const USERS = {
  admin: { accountId: 'demo-admin-0001', displayName: 'Ada Admin', jiraAdmin: true },
  padmin: { accountId: 'demo-padmin-0002', displayName: 'Pat Projectlead', projectAdminOf: ['DEMO'] },
  user: { accountId: 'demo-user-0003', displayName: 'Uli User' },
};

const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI'];

async function seed(bed) {
  const j = bed.jira;
  j.addProject({ key: 'DEMO', name: 'Demo project' });
  for (const u of Object.values(USERS)) j.addUser({ accountId: u.accountId, jiraAdmin: u.jiraAdmin, projectAdminOf: u.projectAdminOf || [] });
  await bed.runLifecycle('installed', { });
  const boards = [
    { name: 'Berlin team', zone: 'Europe/Berlin', by: 'padmin', startTime: '09:00', closeTime: '17:00', carryOver: 'nextSprint',
      s1: ['2026-03-16T08:00:00Z', '2026-03-27T16:00:00Z'], s2: ['2026-03-30T07:00:00Z', '2026-04-10T15:00:00Z'] },
    { name: 'New York team', zone: 'America/New_York', by: 'admin', startTime: null, closeTime: null, carryOver: 'backlog',
      s1: ['2026-03-16T13:00:00Z', '2026-03-27T21:00:00Z'], s2: ['2026-03-30T13:00:00Z', '2026-04-10T21:00:00Z'] },
    { name: 'Tokyo team', zone: 'Asia/Tokyo', by: null,
      s1: ['2026-03-17T00:00:00Z', '2026-03-27T09:00:00Z'], s2: ['2026-03-31T00:00:00Z', '2026-04-10T09:00:00Z'] },
  ];
  for (const b of boards) {
    const board = j.addBoard({ name: b.name, projectKey: 'DEMO' });
    b.id = board.id;
    const short = b.name.split(' ')[0];
    const s1 = j.addSprint({ boardId: board.id, name: `${short} 1`, startDate: b.s1[0], endDate: b.s1[1] });
    j.updateSprint(s1.id, { state: 'active' });
    j.addSprint({ boardId: board.id, name: `${short} 2`, startDate: b.s2[0], endDate: b.s2[1] });
    for (let i = 0; i < 6; i++) j.addIssue({ projectKey: 'DEMO', summary: `${short} story ${i + 1}`, statusId: i < 4 ? '10002' : '10001', sprintId: s1.id });
    if (b.by) {
      const r = await bed.invokeResolver('updateBoardSettings', {
        projectKey: 'DEMO', boardId: board.id,
        settings: { automate: true, autoStart: true, autoClose: true, carryOver: b.carryOver, timeZone: b.zone,
          startTime: b.startTime, closeTime: b.closeTime, workingDays: WEEKDAYS, holidays: [], keepAhead: 0 },
      }, { accountId: USERS[b.by].accountId });
      if (!r.ok) throw new Error(`demo seed: ${JSON.stringify(r.error)}`);
    }
  }
  j.addBoard({ name: 'Support (kanban)', type: 'kanban', projectKey: 'DEMO' });
  return boards.map((b) => ({ id: b.id, name: b.name, zone: b.zone, configured: Boolean(b.by) }));
}

function html(title, body, { refresh } = {}) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${refresh ? `<meta http-equiv="refresh" content="${refresh}">` : ''}
<style>body{font:14px/20px system-ui,sans-serif;color:#172B4D;margin:24px;max-width:1100px}table{border-collapse:collapse;margin-bottom:16px}
td,th{border-bottom:1px solid #DCDFE4;padding:4px 10px;text-align:left}th{font-size:12px;color:#44546F}code{background:#F1F2F4;padding:0 4px}
.active{color:#216E4E;font-weight:600}.closed{color:#626F86}.future{color:#0055CC}a{color:#0C66E4}</style></head><body>${body}</body></html>`;
}
/**
 * The Content-Security-Policy Forge serves a Custom UI resource with, from the manifest's
 * `permissions.content` (Forge manifest reference, "Permissions" > "Content"; the directives as
 * @forge/csp 6.3.2 builds them, CSPInjectionService.getInjectableCSP / CSPProcessingService.getStyleSrc:
 * 'self' plus the quoted `content.styles` / `content.scripts` sources; Atlassian's CDN hosts left out
 * because the demo serves everything from its own origin). `contentPermissions` overrides the
 * manifest's (a test shows what the pages need).
 */
function forgeCsp(contentPermissions) {
  const content = contentPermissions || (YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'manifest.yml'), 'utf8')).permissions || {}).content || {};
  const quoted = (xs) => (xs || []).map((x) => `'${x}'`);
  return [
    "default-src 'self'",
    "frame-ancestors 'self'",
    "font-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    ['script-src', "'self'", ...quoted(content.scripts)].join(' '),
    ['style-src', "'self'", ...quoted(content.styles).filter((x) => x === "'unsafe-inline'")].join(' '),
    "form-action 'self'",
  ].join('; ');
}

const esc = (v) => String(v ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

/**
 * Start the demo. Options: port (0 = random), speed (simulated ms per real ms; 0 = paused, tick by
 * hand with demo.tick()), tickMinutes, clockStart, createLatencyMs (Jira latency of a sprint create,
 * so a bulk job's progress is visible), log (line printer, null = silent).
 */
async function startDemo({ port = 0, speed = 3600, tickMinutes = 5, clockStart = '2026-03-27T10:00:00Z', createLatencyMs = 150, log = console.log, contentPermissions } = {}) {
  const pages = await buildPages({ demo: true, write: false });
  const csp = forgeCsp(contentPermissions);
  const bed = await startTestbed({ clockStart, sprintEvents: 'immediate' });
  let boards;
  try {
    boards = await seed(bed);
  } catch (e) {
    await bed.close();
    throw e;
  }
  if (createLatencyMs > 0) {
    bed.jira.injectFault({ method: 'POST', pathMatch: '/rest/agile/1.0/sprint', kind: 'latency', latencyMs: createLatencyMs, times: 1e9 });
  }
  const accounts = Object.fromEntries(Object.entries(USERS).map(([k, u]) => [k, u.accountId]));
  const tickMs = tickMinutes * MINUTE;

  // Ticks and queue drains run one at a time, in the background of the HTTP server.
  let chain = Promise.resolve();
  const serial = (fn) => {
    const p = chain.then(fn);
    chain = p.catch((e) => { if (log) log(`demo: ${e.stack || e}`); });
    return p;
  };
  let printed = bed.consoleLines.length;
  const printLogs = () => {
    if (!log) return;
    for (const line of bed.consoleLines.slice(printed)) {
      try {
        const e = JSON.parse(line);
        if (e.reason) log(`${e.time}  ${String(e.level).padEnd(5)} ${String(e.reason).padEnd(24)} ${e.message}`);
      } catch { /* not an app log line */ }
    }
    printed = bed.consoleLines.length;
  };
  const drain = () => serial(async () => {
    await bed.queue.drain();
    await bed.settle();
    printLogs();
  });
  let ticks = 0;
  const runTick = async () => {
    await bed.runScheduled('sprint-check');
    await bed.settle();
    await bed.queue.drain();
    await bed.settle();
    ticks++;
    printLogs();
  };

  // The fast clock: simulated time follows real time x speed; a tick at every tickMs boundary.
  let nextTickAt = Math.ceil(bed.clock.now() / tickMs) * tickMs;
  let realAnchor = performance.now();
  let simAnchor = bed.clock.now();
  let timer = null;
  let running = false;
  const pump = () => serial(async () => {
    if (!speed) return;
    const target = simAnchor + (performance.now() - realAnchor) * speed;
    const began = performance.now();
    while (nextTickAt <= target && performance.now() - began < 250) {
      if (bed.clock.now() < nextTickAt) bed.clock.set(nextTickAt);
      nextTickAt += tickMs;
      await runTick();
    }
    if (nextTickAt <= target) {
      // Ticks are slower than the clock: let simulated time slow down rather than skip checks.
      realAnchor = performance.now();
      simAnchor = bed.clock.now();
    } else if (bed.clock.now() < target) bed.clock.set(Math.floor(target));
  });
  const schedulePump = () => {
    if (!speed || timer) return;
    timer = setInterval(() => { if (!running) { running = true; pump().finally(() => { running = false; }); } }, 50);
  };

  const readBody = (req) => new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => { size += c.length; if (size > 1 << 20) { reject(new Error('body too large')); req.destroy(); } else chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  const send = (res, status, body, type = 'application/json; charset=utf-8', headers = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
    res.end(text);
  };

  const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
  const handle = async (req, res) => {
    const u = new URL(req.url, 'http://demo');
    const parts = u.pathname.split('/').filter(Boolean);
    if (req.method === 'POST' && u.pathname === '/invoke') {
      const who = u.searchParams.get('as') || 'admin';
      if (!USERS[who]) return send(res, 400, { message: `unknown user ${who}: use as=admin|padmin|user` });
      let body;
      try { body = JSON.parse(await readBody(req)); } catch (e) { return send(res, 400, { message: `bad request body: ${e.message}` }); }
      if (!body || typeof body.key !== 'string') return send(res, 400, { message: 'body must be {key, payload}' });
      let result;
      try {
        result = await bed.invokeResolver(body.key, body.payload ?? {}, { accountId: USERS[who].accountId });
      } catch (e) {
        if (log) log(`demo: resolver ${body.key} threw: ${e.message}`);
        return send(res, 500, { message: `the resolver failed: ${e.message}` });
      }
      send(res, 200, result);
      printLogs();
      drain();
      return undefined;
    }
    if (req.method !== 'GET') return send(res, 405, { message: 'method not allowed' });
    if (u.pathname === '/rest/api/3/user' || (parts[0] === 'jira' && u.pathname === '/jira/rest/api/3/user')) {
      const id = u.searchParams.get('accountId');
      const user = Object.values(USERS).find((x) => x.accountId === id);
      if (!user) return send(res, 404, { errorMessages: [`Specified user does not exist or you do not have required permissions`], errors: {} });
      return send(res, 200, { accountId: user.accountId, accountType: 'atlassian', displayName: user.displayName, active: true });
    }
    const sprint = u.pathname.match(/^\/jira\/rest\/agile\/1\.0\/sprint\/(\d+)$/);
    if (sprint) {
      // The settings page names the sprint of a board's next action (as the viewer, in Jira).
      const s = bed.jira.getSprint(Number(sprint[1]));
      return s ? send(res, 200, s) : send(res, 404, { errorMessages: ['Sprint does not exist'], errors: {} });
    }
    const board = u.pathname.match(/^\/jira\/rest\/agile\/1\.0\/board\/(\d+)$/);
    if (board) {
      // The site overview names each board (as the viewer, in Jira).
      const b = bed.jira.getBoard(Number(board[1]));
      return b ? send(res, 200, { id: b.id, name: b.name, type: b.type, location: { projectKey: b.projectKey } }) : send(res, 404, { errorMessages: ['Board does not exist'], errors: {} });
    }
    if (parts[0] === 'jira') return send(res, 404, { errorMessages: ['The demo answers only /rest/api/3/user, sprints and boards'], errors: {} });
    if (u.pathname === '/demo/state') {
      return send(res, 200, { now: new Date(bed.clock.now()).toISOString(), speed, ticks, accounts, boards });
    }
    if (u.pathname === '/demo/jira') {
      const rows = boards.map((b) => {
        const sprints = bed.jira.sprintsOfBoard(b.id);
        return `<h2>${esc(b.name)} <small>(board ${b.id}, ${esc(b.zone)})</small></h2><table><tr><th>Sprint</th><th>State</th><th>Start</th><th>End</th><th>Issues</th></tr>${
          sprints.map((s) => `<tr><td>${esc(s.name)} <small>#${s.id}</small></td><td class="${esc(s.state)}">${esc(s.state)}</td><td>${esc(s.startDate || '')}</td><td>${esc(s.endDate || '')}</td><td>${bed.jira.issuesInSprint(s.id).length}</td></tr>`).join('')}</table>`;
      }).join('');
      return send(res, 200, html('Demo: Jira boards', `<p><a href="/">← demo start</a> · simulated time <b>${new Date(bed.clock.now()).toISOString().slice(0, 16).replace('T', ' ')} UTC</b> · refreshes every 2 s</p>${rows}`, { refresh: 2 }), TYPES['.html']);
    }
    if (u.pathname === '/') {
      const link = (p, who, text) => `<a href="${p}?as=${who}&project=DEMO">${text}</a>`;
      return send(res, 200, html('Sprint Automation: local demo', `<h1>Sprint Automation for Jira Cloud: local demo</h1>
<p>The real app (Rust core in WASM + the Forge shim) in the local test bed, behind its three Custom UI pages. Simulated time runs ${speed ? `${Math.round(speed / 60)} simulated minutes per real second` : 'only when ticked'}; the scheduled check runs every simulated ${tickMinutes} minutes.</p>
<table><tr><th>Page</th><th>Jira admin (${esc(USERS.admin.displayName)})</th><th>Project admin (${esc(USERS.padmin.displayName)})</th><th>Plain user (${esc(USERS.user.displayName)})</th></tr>
${[['/admin/settings', 'Admin: Settings'], ['/admin/logs', 'Admin: Logs'], ['/admin/overview', 'Admin: Site overview'], ['/project-settings/', 'Project settings (DEMO)'], ['/bulk/', 'Bulk Sprint Creation (DEMO)']]
    .map(([p, t]) => `<tr><td>${t}</td>${['admin', 'padmin', 'user'].map((w) => `<td>${link(p, w, 'open')}</td>`).join('')}</tr>`).join('')}</table>
<p><a href="/demo/jira">Jira boards as the emulator holds them</a> (sprints start and close there while you watch).</p>`), TYPES['.html']);
    }
    const page = pages[parts[0]];
    if (page) {
      if (parts.length === 1 && !u.pathname.endsWith('/')) {
        res.writeHead(302, { location: `/${parts[0]}/${u.search}` });
        return res.end();
      }
      const file = parts.length >= 2 && page[parts[parts.length - 1]] ? parts[parts.length - 1] : 'index.html';
      // The app's pages under Forge's content security policy, as Forge serves them.
      return send(res, 200, page[file], TYPES[path.extname(file)] || 'application/octet-stream', { 'content-security-policy': csp });
    }
    return send(res, 404, { message: 'not found' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => { try { send(res, 500, { message: String(e && e.message) }); } catch { /* gone */ } });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  const url = `http://127.0.0.1:${server.address().port}`;
  schedulePump();

  return {
    url,
    bed,
    boards,
    users: USERS,
    accounts,
    /** Run n scheduled checks, each tickMs of simulated time after the previous. */
    tick: (n = 1) => serial(async () => {
      for (let i = 0; i < n; i++) {
        if (bed.clock.now() < nextTickAt) bed.clock.set(nextTickAt);
        nextTickAt += tickMs;
        await runTick();
      }
    }),
    /** Jump the clock to `at` (ms or ISO; missed checks are skipped, as after an outage), then one check. */
    jumpTo: (at) => serial(async () => {
      const ms = typeof at === 'number' ? at : Date.parse(at);
      if (bed.clock.now() < ms) bed.clock.set(ms);
      nextTickAt = Math.ceil(bed.clock.now() / tickMs) * tickMs + tickMs;
      await runTick();
    }),
    /** Wait until the background work (drains, ticks) queued so far is done. */
    idle: () => serial(async () => {}),
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      speed = 0;
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
      await chain.catch(() => {});
      await bed.close();
    },
  };
}

async function main(argv) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] != null ? Number(argv[i + 1]) : dflt;
  };
  const demo = await startDemo({ port: opt('--port', Number(process.env.PORT) || 8080), speed: opt('--speed', 3600) });
  const b = demo.boards;
  console.log(`
Sprint Automation local demo: ${demo.url}/

  project DEMO, boards: ${b.map((x) => `${x.id} "${x.name}" (${x.zone}${x.configured ? '' : ', not configured'})`).join(', ')}
  users (?as=): admin = Jira admin, padmin = project admin of DEMO, user = no admin rights
  clock: 1 real second = ${opt('--speed', 3600) / 60} simulated minutes; the scheduled check every simulated 5 minutes

What to try:
  ${demo.url}/project-settings/?as=padmin   configure the Tokyo board (zone, 09:00 start, working days), Save
  ${demo.url}/demo/jira                      watch Berlin 1 / New York 1 close and their sprint 2 start
  ${demo.url}/admin/logs?as=admin            the app's log: filter by board, level, kind; page with Older/Newer
  ${demo.url}/bulk/?as=padmin                plan 12 sprints, watch the preview and timeline, Create, then Undo
  ${demo.url}/bulk/?as=user                  a plain user is refused
  ${demo.url}/admin/settings?as=admin        switch automation off, change the default zone
  ${demo.url}/admin/overview?as=admin        every automated board: next action in its zone, late, blocked, waiting for Jira

Ctrl-C stops it. The app's log lines follow:
`);
  // Closing the servers, the test bed and the clock's timer lets Node end by itself.
  const stop = async () => { await demo.close(); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

module.exports = { forgeCsp, startDemo, main, USERS };
