// Stand-in for @forge/bridge in the local demo (ui/build.js aliases it there; never in the Forge build).
// invoke -> POST /invoke on the demo server (tests/demo/server.js) as the user named by ?as=;
// view.getContext -> the page and project from the URL; requestJira -> /jira on the demo server.
// It also puts a small demo bar on top of the page: simulated clock, page links, user switcher.

const PAGES = {
  admin: { type: 'jira:adminPage', moduleKey: 'sprint-automation-admin' },
  'project-settings': { type: 'jira:projectSettingsPage', moduleKey: 'sprint-automation-project-settings' },
  bulk: { type: 'jira:projectPage', moduleKey: 'sprint-automation-bulk' },
};
const USERS = { admin: 'Jira admin', padmin: 'Project admin', user: 'Plain user' };

function where() {
  const parts = window.location.pathname.split('/').filter(Boolean);
  const q = new URLSearchParams(window.location.search);
  return { page: parts[0] || 'admin', route: parts.slice(1).join('/'), as: q.get('as') || 'admin', project: q.get('project') || 'DEMO' };
}

export async function invoke(functionKey, payload) {
  const w = where();
  const r = await fetch(`/invoke?as=${encodeURIComponent(w.as)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: functionKey, payload: payload ?? {} }),
  });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && body.message) || `invoke ${functionKey}: HTTP ${r.status}`);
  return body;
}

export async function requestJira(path, init = {}) {
  const w = where();
  return fetch(`/jira${path}`, { ...init, headers: { ...(init.headers || {}), 'x-demo-as': w.as } });
}

const listeners = new Set();
window.addEventListener('popstate', () => { for (const cb of listeners) cb({ pathname: `/${where().route}` }); });

export const view = {
  async getContext() {
    const w = where();
    const page = PAGES[w.page] || PAGES.admin;
    const accounts = await state().then((s) => s.accounts).catch(() => ({}));
    const extension = { type: page.type };
    if (w.page !== 'admin') extension.project = { key: w.project, id: '10000', type: 'software' };
    return { moduleKey: page.moduleKey, extension, accountId: accounts[w.as], locale: navigator.language, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, cloudId: 'demo-cloud' };
  },
  async createHistory() {
    return {
      get location() { return { pathname: `/${where().route}` }; },
      push(path) {
        const w = where();
        window.history.pushState(null, '', `/${w.page}/${String(path).replace(/^\/+/, '')}${window.location.search}`);
      },
      listen(cb) { listeners.add(cb); return () => listeners.delete(cb); },
    };
  },
  // Forge's host injects Atlassian's theme (design tokens) when a page enables theming; the demo
  // does the same with the tokens package (?theme=dark for the dark one).
  theme: {
    async enable() {
      const { setGlobalTheme } = await import('@atlaskit/tokens/set-global-theme');
      const dark = new URLSearchParams(window.location.search).get('theme') === 'dark';
      await setGlobalTheme({ colorMode: dark ? 'dark' : 'light' });
    },
  },
};

function state() {
  return fetch('/demo/state').then((r) => r.json());
}

// ------------------------------------------------------------------ the demo bar
const CSS = `
.demo-bar { display:flex; gap:16px; align-items:center; flex-wrap:wrap; padding:6px 24px; font:13px/20px system-ui, sans-serif;
  background:#1D2125; color:#DEE4EA; border-bottom:3px solid #6E5DC6; }
.demo-bar a { color:#85B8FF; text-decoration:none; } .demo-bar a[aria-current=page] { color:#fff; font-weight:600; text-decoration:underline; }
.demo-bar select { font:inherit; background:#22272B; color:#DEE4EA; border:1px solid #738496; border-radius:3px; padding:1px 4px; }
.demo-bar .demo-tag { background:#6E5DC6; color:#fff; border-radius:3px; padding:0 6px; font-weight:700; }
.demo-bar .demo-clock { font-variant-numeric:tabular-nums; }
.demo-bar label { color:#DEE4EA; font-size:13px; font-weight:400; display:inline; margin:0; }`;

function demoBar() {
  const w = where();
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const bar = document.createElement('header');
  bar.className = 'demo-bar';
  bar.id = 'demo-bar';
  const tag = document.createElement('span');
  tag.className = 'demo-tag';
  tag.textContent = 'Local demo';
  const clock = document.createElement('span');
  clock.className = 'demo-clock';
  clock.id = 'demo-clock';
  bar.append(tag, clock);
  const link = (href, text, current) => {
    const a = document.createElement('a');
    a.href = `${href}?as=${w.as}&project=${w.project}`;
    a.textContent = text;
    if (current) a.setAttribute('aria-current', 'page');
    bar.append(a);
  };
  link('/admin/settings', 'Admin: Settings', w.page === 'admin' && !['logs', 'overview'].includes(w.route));
  link('/admin/logs', 'Admin: Logs', w.page === 'admin' && w.route === 'logs');
  link('/admin/overview', 'Admin: Site overview', w.page === 'admin' && w.route === 'overview');
  link('/project-settings/', 'Project settings', w.page === 'project-settings');
  link('/bulk/', 'Bulk Sprint Creation', w.page === 'bulk');
  link('/demo/jira', 'Jira boards (emulator)', false);
  const label = document.createElement('label');
  label.textContent = 'Viewing as ';
  const sel = document.createElement('select');
  sel.id = 'demo-user';
  for (const [k, t] of Object.entries(USERS)) {
    const o = document.createElement('option');
    o.value = k;
    o.textContent = t;
    o.selected = k === w.as;
    sel.append(o);
  }
  sel.addEventListener('change', () => {
    const q = new URLSearchParams(window.location.search);
    q.set('as', sel.value);
    window.location.search = q.toString();
  });
  label.append(sel);
  bar.append(label);
  document.body.prepend(bar);
  const tick = () => state().then((s) => {
    clock.textContent = `Simulated time ${s.now.replace('T', ' ').slice(0, 16)} UTC${s.speed ? ` (×${s.speed})` : ' (paused)'}`;
  }).catch(() => { clock.textContent = 'demo server unreachable'; });
  tick();
  setInterval(tick, 1000);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', demoBar);
else demoBar();
