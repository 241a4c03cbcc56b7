// Where the page is: Forge's context (module, extension, project) and, for subpages, the route.
import { view, requestJira } from '@forge/bridge';

export async function pageContext() {
  const context = await view.getContext();
  try {
    // Atlassian design tokens (light/dark) for the page; the CSS has fallbacks without them.
    if (view.theme && view.theme.enable) await view.theme.enable();
  } catch (_e) { /* tokens are optional */ }
  const extension = context.extension || {};
  return {
    moduleKey: context.moduleKey,
    type: extension.type,
    projectKey: extension.project && extension.project.key,
    accountId: context.accountId,
    locale: context.locale,
    timezone: context.timezone,
  };
}

/** The current subpage route ("settings", "logs") and a way to follow changes. */
export async function subpageRoute(onChange) {
  let history = null;
  try {
    history = await view.createHistory();
  } catch (_e) { /* not a page with routes */ }
  const route = (loc) => String((loc && loc.pathname) || '').replace(/^\/+|\/+$/g, '');
  if (history && onChange) history.listen((loc) => onChange(route(loc && loc.pathname !== undefined ? loc : history.location)));
  return { route: route(history && history.location), push: (r) => history && history.push(`/${r}`) };
}

const names = new Map();
/** Display name of an account (Jira's user API as the viewer); the id itself if it cannot be read. */
export function displayName(accountId) {
  if (!accountId) return Promise.resolve(null);
  if (!names.has(accountId)) {
    names.set(accountId, (async () => {
      try {
        const r = await requestJira(`/rest/api/3/user?accountId=${encodeURIComponent(accountId)}`, { headers: { Accept: 'application/json' } });
        if (!r.ok) return { name: accountId, resolved: false };
        const body = await r.json();
        return { name: body.displayName || accountId, resolved: Boolean(body.displayName) };
      } catch (_e) {
        return { name: accountId, resolved: false };
      }
    })());
  }
  return names.get(accountId);
}

/** A name read from Jira's agile API as the viewer, once per path; null if it cannot be read. */
const agileNames = new Map();
function agileName(path) {
  if (!agileNames.has(path)) {
    agileNames.set(path, (async () => {
      try {
        const r = await requestJira(path, { headers: { Accept: 'application/json' } });
        return r.ok ? ((await r.json()).name || null) : null;
      } catch (_e) {
        return null;
      }
    })());
  }
  return agileNames.get(path);
}

/** A sprint's name; null if it cannot be read. */
export function sprintName(sprintId) {
  return sprintId ? agileName(`/rest/agile/1.0/sprint/${encodeURIComponent(sprintId)}`) : Promise.resolve(null);
}

/** A board's name; null if it cannot be read. */
export function boardName(boardId) {
  return boardId ? agileName(`/rest/agile/1.0/board/${encodeURIComponent(boardId)}`) : Promise.resolve(null);
}
