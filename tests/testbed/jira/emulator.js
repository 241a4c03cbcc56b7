'use strict';
/*
 * Jira Cloud emulator for the Sprint Automation Forge test bed (Node 20, standard library only).
 *
 *   const { createJiraEmulator } = require('./tests/testbed/jira/emulator');
 *   const jira = await createJiraEmulator({ now: () => clock.now(), seed: 1 });
 *   // jira.url -> 'http://127.0.0.1:PORT'; requests go to jira.url + '/rest/agile/1.0/...'
 *   await jira.close();
 *
 * Caller identity (set by the test bed from @forge/api's fetch options):
 *   x-forge-provider: app | user | none (missing = none);  x-forge-account-id: the user (provider user).
 *   user with a missing/unknown account -> 401. none -> 401 on the agile API; mypermissions answers
 *   anonymously (every permission false). app -> full access, except on projects where the test switched
 *   off the atlassian-addons-project-access role (setAppProjectAccess(key,false)) -> 403 on those boards/sprints.
 *
 * ---------------------------------------------------------------------------------------------------------
 * CONTROL API (plain JS, not HTTP). Dates in the control API: epoch ms or ISO strings.
 *   addUser({accountId, jiraAdmin=false, projectAdminOf=[], displayName?, emailAddress?}) -> user
 *       (displayName/emailAddress are never served; seededSecrets() lists them with issue summaries)
 *   addProject({key, id?, name?})                                               -> project {id,key,name}
 *   addStatus({id, name, category:'To Do'|'In Progress'|'Done'})                -> status
 *       seeded: 10000 To Do (To Do), 10001 In Progress (In Progress), 10002 Done (Done)
 *   addBoard({id?, name, type='scrum', projectKey, columns?:[{name, statusIds}]}) -> board
 *       default columns To Do/In Progress/Done -> 10000/10001/10002. Done column = last column with statuses.
 *   addSprint({boardId, name, state='future', startDate?, endDate?, completeDate?, goal?, id?, emit=false, atlassianId?}) -> sprint (REST shape)
 *   addIssue({projectKey, key?, summary, statusId='10000', issueType='Story', parentKey?, sprintId?}) -> issue
 *       rank = insertion order; a sub-task with sprintId undefined joins its parent's sprint.
 *   updateSprint(id, fields, {validate=false, full=false, emit=false, atlassianId?}) -> sprint
 *       validate=false: raw write of name/goal/state/startDate/endDate/completeDate (simulates a UI action);
 *       validate=true: the same rules as POST (or PUT with full) /sprint/{id}; throws Error {status, body}.
 *   deleteSprint(id, {emit=false, atlassianId?}); setIssueStatus(key, statusId); moveIssues(keys, sprintId|null)
 *   Inspection: getSprint(id) (REST shape), getBoard(id) ({id, name, type, projectKey}), sprintsOfBoard(boardId) (REST order: closed, active, future),
 *       sprintReport(id) ({completed, notCompleted, removed, added}: the Sprint Report's lists),
 *       issuesInSprint(id), backlogOf(projectKey|boardId) (issues with no sprint, rank order), issue(key),
 *       isDoneOnBoard(boardId, issueKey)
 *   Switches: setParallelSprints(bool=false), setSubtaskRuleOnClose(bool=true), setAppProjectAccess(key,bool),
 *       setNameLimit(n=30), setOmitTotal(bool=false) (drop `total` from board and sprint lists),
 *       setStartOverwritesStartDate(bool=false) (a REST start sets startDate = now()).
 *   Rate limit (app calls only, per site): setRateLimit({capacity, refillPerSecond} | null), rateLimitStats()
 *       -> {enabled, capacity, refillPerSecond, tokens, allowed, limited}. Refill follows now().
 *   Faults: injectFault({method?, pathMatch, nth=1, times=1, kind, retryAfterSeconds=1, latencyMs=100,
 *               phase='before'|'after', provider?}) -> {id, fired(), remove()}
 *           pathMatch: string = exact path (no query); RegExp = tested on path + '?' + query string.
 *           The rule counts matching requests; it fires on the nth match and the next times-1 matches.
 *       setFaultRate({rate, kinds, seed, latencyMs?, retryAfterSeconds?, pathMatch?} | null)  (mulberry32 PRNG)
 *       clearFaults()
 *       kinds: '429' | '500' | '503' (429/503 with Retry-After) | 'latency' (wait, then answer normally) |
 *              'timeout' (never answer until close()) | 'drop' (destroy the socket, no response).
 *       phase 'before' (default): the request is not processed (no state change). phase 'after': the request
 *       is processed (state changed, events fired), then the fault replaces the answer.
 *   Request log: requests[] of {method, path, query, provider, accountId, body, status, fault?, at};
 *       resetRequests(); points() (Jira's points model, see pointsOf); countRequests(filter) where filter = fn | {method, path (string|RegExp), provider,
 *       status, fault}.
 *   Per request: log entry -> scripted fault -> rate fault -> rate limit (app only) -> 401 check -> handler.
 *   Events: onSprintEvent(cb) -> unsubscribe. cb({eventType, sprint, atlassianId?}); events[] keeps them all.
 *       eventType avi:jira-software:{created,updated,started,closed,deleted}:sprint; atlassianId only when a user
 *       caused it. A partial update to state active fires `started`, to closed fires `closed`.
 *
 * Choices where Jira's behaviour is unknown (see /work/shared/notes/jira-api.md "Still unknown"):
 *   - REST dates need an explicit offset (Z, +01:00 or +0100): a date without one -> 400.
 *   - PUT /sprint/{id}: omitted name/goal/startDate/endDate become null; an omitted state keeps the state.
 *     So PUT without `name` -> 400, PUT on an active sprint without dates -> 400, on a closed one -> 400.
 *   - An end date before the start date -> 400 (create and update).
 *   - Closing moves every issue whose status is not in the board's Done column to the backlog (sub-tasks
 *     included, parent or not); deleting a sprint moves all its issues to the backlog.
 *   - Moving a parent (to a sprint or the backlog) carries its sub-tasks; a sub-task created without sprintId
 *     joins its parent's sprint. backlogOf() = issues of the project with no sprint.
 *   - Kanban boards, and team-managed (`simple`) boards with sprints off: sprint list and sprint create -> 400
 *     ("The board does not support sprints."). A team-managed board's configuration: switch
 *     simpleBoardConfiguration ('columns' | 'unsupported' -> 400; not documented either way).
 *   - The app with project access removed still sees the board in GET /board (listing), but gets 403 on
 *     the board itself, its configuration, sprints and issue moves.
 *   - Sprint JSON omits absent fields (no startDate on an undated sprint, no goal when none) and carries
 *     createdDate. Sprint event payloads: see eventSprint() (two forms, switch eventForm / setEventForm;
 *     TESTBED_PROFILE=alt picks the REST form; updated events carry oldValue with the changed fields).
 *   - 207 entries: unknown issue -> status 404, issue of another project -> status 400.
 *
 * ---------------------------------------------------------------------------------------------------------
 * BEHAVIOUR TABLE (spec = jira-software-cloud.openapi.json unless marked [platform] = jira-platform-v3)
 * | behaviour                                                           | checked against                                  |
 * |---------------------------------------------------------------------|--------------------------------------------------|
 * | board list, filters type/projectKeyOrId/name, page <= 50, isLast    | GET /rest/agile/1.0/board (200 schema)           |
 * | board by id, 404 unknown                                            | GET /rest/agile/1.0/board/{boardId} (200 schema) |
 * | board columns + status ids, filter, ranking                         | GET /rest/agile/1.0/board/{boardId}/configuration (200 schema BoardConfigBean) |
 * | sprint list: closed, active, future, board order; page <= 50; state | GET /rest/agile/1.0/board/{boardId}/sprint (200 example; items SprintBean) |
 * | create sprint 201 future, bottom of board; name trim/empty/30 chars | POST /rest/agile/1.0/sprint (201 example, SprintBean; 400) |
 * | get sprint                                                          | GET /rest/agile/1.0/sprint/{sprintId} (200 example, SprintBean; 404) |
 * | partial update, start rules, close rules, closed = name/goal only   | POST /rest/agile/1.0/sprint/{sprintId} (200, 400) |
 * | full update (omitted fields -> null, goal lost)                     | PUT /rest/agile/1.0/sprint/{sprintId} (200, 400)  |
 * | delete 204, closed -> 400, issues -> backlog                        | DELETE /rest/agile/1.0/sprint/{sprintId} (204; 400 not listed in spec) |
 * | swap 204, both future same board                                    | POST /rest/agile/1.0/sprint/{sprintId}/swap (204; 400 not listed in spec) |
 * | issues of a sprint, rank order, fields filter, small JQL, max 100   | GET /rest/agile/1.0/sprint/{sprintId}/issue (200; page SearchResults, items IssueBean; JQL 400 not listed in spec) |
 * | move issues to sprint (<= 50, future/active target, rank)           | POST /rest/agile/1.0/sprint/{sprintId}/issue (204, 400) |
 * | move issues to backlog (<= 50)                                      | POST /rest/agile/1.0/backlog/issue (204, 400)     |
 * | move to board backlog, 207 per-issue entries                        | POST /rest/agile/1.0/backlog/{boardId}/issue (204, 207 PartialSuccessBean) |
 * | my permissions, global vs project context, 400 / 404                | [platform] GET /rest/api/3/mypermissions (200 Permissions, 400/401/404 ErrorCollection) |
 * | error bodies {errorMessages, errors}                                | [platform] components.schemas.ErrorCollection (agile errors have no schema) |
 * | 429 Retry-After / X-RateLimit-*; 503 Retry-After                    | not in the specs: jira-api.md (Atlassian rate-limit docs) |
 * | sub-task rule on close, open issues -> backlog on close, 30 chars   | not in the specs: jira-api.md (support docs / reported), switchable |
 * | sprint events payload: Forge form (default) or REST form (switch)   | not in the specs: Forge events reference (tests/testbed/README.md) |
 */

const http = require('node:http');

const AGILE = '/rest/agile/1.0';
const CATEGORIES = {
  'To Do': { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  'In Progress': { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  Done: { id: 3, key: 'done', name: 'Done', colorName: 'green' },
};
const ISSUE_TYPES = { Epic: '10000', Story: '10001', Task: '10002', 'Sub-task': '10003', Bug: '10004' };
const PERMISSIONS = {
  ADMINISTER: { id: '0', name: 'Administer Jira', type: 'GLOBAL', description: 'Create and administer projects, issue types, fields, workflows, and schemes for all projects. Users with this permission can perform most administration tasks, except: managing users, importing data, and editing system email settings.' },
  SYSTEM_ADMIN: { id: '44', name: 'Administer Jira', type: 'GLOBAL', description: 'Ability to perform all administration functions.' },
  ADMINISTER_PROJECTS: { id: '23', name: 'Administer Projects', type: 'PROJECT', description: 'Ability to administer a project in Jira.' },
  BROWSE_PROJECTS: { id: '10', name: 'Browse Projects', type: 'PROJECT', description: 'Ability to browse projects and the issues within them.' },
  EDIT_ISSUES: { id: '12', name: 'Edit Issues', type: 'PROJECT', description: 'Ability to edit issues.' },
  SCHEDULE_ISSUES: { id: '28', name: 'Schedule Issues', type: 'PROJECT', description: 'Ability to set or edit an issue\'s due date.' },
  MANAGE_SPRINTS_PERMISSION: { id: '-1', name: 'Manage sprints', type: 'PROJECT', description: 'Ability to manage sprints.' },
};
const PROJECT_PERMISSIONS_FOR_ALL = new Set(['BROWSE_PROJECTS', 'EDIT_ISSUES', 'SCHEDULE_ISSUES', 'MANAGE_SPRINTS_PERMISSION']);
const FAULT_KINDS = new Set(['429', '500', '503', 'latency', 'timeout', 'drop']);
const EVENT = (t) => `avi:jira-software:${t}:sprint`;

class HttpError extends Error {
  constructor(status, messages, errors = {}, headers = {}) {
    super(Array.isArray(messages) ? messages.join('; ') || JSON.stringify(errors) : String(messages));
    this.status = status;
    this.body = { errorMessages: Array.isArray(messages) ? messages : [messages], errors };
    this.headers = headers;
  }
}
const bad = (msg, errors) => new HttpError(400, msg == null ? [] : [msg], errors || {});
const notFound = (msg) => new HttpError(404, [msg]);

const { mulberry32 } = require('../zones');

const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/;
/** REST date input: ISO-8601 with an explicit offset (Z or +hh:mm / +hhmm). Returns epoch ms. */
function parseRestDate(value, field) {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw bad(null, { [field]: `${field} must be a date string.` });
  const m = ISO_RE.exec(value.trim());
  if (!m) throw bad(null, { [field]: `Invalid date format for ${field}: expected ISO-8601 with an offset.` });
  let off = m[2];
  if (off !== 'Z' && !off.includes(':')) off = `${off.slice(0, 3)}:${off.slice(3)}`;
  let base = m[1];
  base = base.replace(/(\.\d{3})\d+$/, '$1');
  const ms = Date.parse(base + off);
  if (Number.isNaN(ms)) throw bad(null, { [field]: `Invalid date for ${field}.` });
  return ms;
}
function controlDate(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  return parseRestDate(v, 'date');
}
const fmt = (ms) => (ms == null ? undefined : new Date(ms).toISOString());

async function createJiraEmulator(options = {}) {
  const now = options.now || (() => Date.now());
  const seed = options.seed ?? 1;

  // ---------------------------------------------------------------- state
  const users = new Map();
  const projects = new Map(); // key -> {id, key, name}
  const statuses = new Map(); // id -> {id, name, category}
  const boards = new Map(); // id -> {id, name, type, projectKey, columns, sprintIds: []}
  const sprints = new Map(); // id -> internal sprint
  const issues = new Map(); // key -> internal issue
  let rankOrder = []; // issue keys, rank order
  let pointStats = { total: 0, byProvider: {} };
  const appAccess = new Map(); // projectKey -> bool
  const counters = { project: 10000, board: 1, sprint: 1, issue: 10000, filter: 10000, issueNumber: new Map() };
  const settings = {
    parallelSprints: false, subtaskRuleOnClose: true, nameLimit: 30, omitTotal: false,
    startOverwritesStartDate: false, goalLimit: 10000,
    eventForm: options.eventForm || 'forge',
    simpleBoardConfiguration: options.simpleBoardConfiguration || 'columns',
    eventOffsetMinutes: options.eventOffsetMinutes ?? 0,
  };
  const listeners = new Set();
  const events = [];
  const requests = [];
  const held = new Set(); // responses held open by 'timeout' faults
  const scripted = []; // fault rules
  let faultRate = null; // {rate, kinds, rand, latencyMs, retryAfterSeconds, pathMatch}
  let rateLimit = null; // {capacity, refillPerSecond, tokens, last, allowed, limited}
  let quota = null; // {perHour, reason, hour, spent, refused}: the app's hourly points quota
  let ruleSeq = 0;
  let url = '';
  let closed = false;

  const projectByKeyOrId = (k) => {
    if (k == null) return undefined;
    const s = String(k);
    if (projects.has(s)) return projects.get(s);
    for (const p of projects.values()) if (p.id === s) return p;
    return undefined;
  };
  const rankIndex = (key) => rankOrder.indexOf(key);
  const byRank = (a, b) => rankIndex(a.key) - rankIndex(b.key);

  function addUser({ accountId, jiraAdmin = false, projectAdminOf = [], displayName, emailAddress } = {}) {
    if (!accountId) throw new Error('addUser: accountId required');
    // displayName / emailAddress are never served to the app; the audit scans logs for them.
    const u = { accountId, jiraAdmin: !!jiraAdmin, projectAdminOf: [...projectAdminOf], displayName, emailAddress };
    users.set(accountId, u);
    return { ...u };
  }
  function addProject({ key, id, name } = {}) {
    if (!key) throw new Error('addProject: key required');
    const p = { id: String(id ?? counters.project++), key, name: name || `Project ${key}` };
    projects.set(key, p);
    return { ...p };
  }
  function addStatus({ id, name, category } = {}) {
    if (!CATEGORIES[category]) throw new Error(`addStatus: category must be one of ${Object.keys(CATEGORIES)}`);
    const s = { id: String(id), name, category };
    statuses.set(s.id, s);
    return { ...s };
  }
  addStatus({ id: '10000', name: 'To Do', category: 'To Do' });
  addStatus({ id: '10001', name: 'In Progress', category: 'In Progress' });
  addStatus({ id: '10002', name: 'Done', category: 'Done' });

  function addBoard({ id, name, type = 'scrum', projectKey, columns, sprints: sprintsOn = type !== 'kanban' } = {}) {
    if (!projects.has(projectKey)) throw new Error(`addBoard: unknown project ${projectKey}`);
    if (!['scrum', 'kanban', 'simple'].includes(type)) throw new Error('addBoard: type scrum|kanban|simple');
    const cols = (columns || [
      { name: 'To Do', statusIds: ['10000'] },
      { name: 'In Progress', statusIds: ['10001'] },
      { name: 'Done', statusIds: ['10002'] },
    ]).map((c) => ({ name: c.name, statusIds: (c.statusIds || []).map(String) }));
    for (const c of cols) for (const s of c.statusIds) if (!statuses.has(s)) throw new Error(`addBoard: unknown status ${s}`);
    const bid = Number(id ?? counters.board);
    counters.board = Math.max(counters.board, bid + 1);
    // `simple` = a team-managed project's board; its "Sprints" feature is a project setting (support.atlassian.com,
    // "Enable sprints"), so `sprints` says whether it is on. Scrum boards always have sprints, kanban never.
    const b = { id: bid, name: name || `${projectKey} board`, type, projectKey, columns: cols, sprintIds: [], filterId: String(counters.filter++), sprintsOn: type === 'scrum' || (type === 'simple' && !!sprintsOn) };
    boards.set(bid, b);
    return boardJson(b);
  }
  function doneStatusIds(board) {
    const withStatuses = board.columns.filter((c) => c.statusIds.length > 0);
    return new Set(withStatuses.length ? withStatuses[withStatuses.length - 1].statusIds : []);
  }
  function issueDoneOn(board, issue) {
    return doneStatusIds(board).has(issue.statusId);
  }

  function addSprint({ boardId, name, state = 'future', startDate, endDate, completeDate, goal, id, emit = false, atlassianId } = {}) {
    const b = boards.get(Number(boardId));
    if (!b) throw new Error(`addSprint: unknown board ${boardId}`);
    if (!['future', 'active', 'closed'].includes(state)) throw new Error('addSprint: bad state');
    const sid = Number(id ?? counters.sprint);
    counters.sprint = Math.max(counters.sprint, sid + 1);
    const s = {
      id: sid, name: String(name ?? `Sprint ${sid}`), state, originBoardId: b.id, goal: goal ?? null,
      startDate: controlDate(startDate), endDate: controlDate(endDate),
      completeDate: state === 'closed' ? controlDate(completeDate) ?? now() : null, createdDate: now(),
    };
    sprints.set(sid, s);
    b.sprintIds.push(sid);
    if (emit) emitEvent('created', s, atlassianId);
    return sprintJson(s);
  }

  function addIssue({ projectKey, key, summary, statusId = '10000', issueType = 'Story', parentKey, sprintId, subtask } = {}) {
    if (!projects.has(projectKey)) throw new Error(`addIssue: unknown project ${projectKey}`);
    if (!statuses.has(String(statusId))) throw new Error(`addIssue: unknown status ${statusId}`);
    let n = counters.issueNumber.get(projectKey) || 0;
    if (!key) { n += 1; key = `${projectKey}-${n}`; } else {
      const m = /-(\d+)$/.exec(key);
      if (m) n = Math.max(n, Number(m[1]));
    }
    counters.issueNumber.set(projectKey, n);
    if (issues.has(key)) throw new Error(`addIssue: duplicate key ${key}`);
    const parent = parentKey ? issues.get(parentKey) : undefined;
    if (parentKey && !parent) throw new Error(`addIssue: unknown parent ${parentKey}`);
    let sid = sprintId;
    if (sid === undefined) sid = parent && isSubtaskType(issueType, subtask) ? parent.sprintId : null;
    if (sid != null && !sprints.has(Number(sid))) throw new Error(`addIssue: unknown sprint ${sid}`);
    if (!ISSUE_TYPES[issueType]) ISSUE_TYPES[issueType] = String(10005 + Object.keys(ISSUE_TYPES).length);
    const issue = {
      id: String(++counters.issue), key, projectKey, summary: summary ?? key, statusId: String(statusId),
      issueType, subtask: isSubtaskType(issueType, subtask), parentKey: parentKey || null,
      sprintId: sid == null ? null : Number(sid),
      closedSprintIds: [], // the closed sprints it was in when they closed (its Sprint field keeps them)
    };
    issues.set(key, issue);
    rankOrder.push(key);
    return issueControl(issue);
  }
  function isSubtaskType(name, flag) { return flag === undefined ? /^sub-?task$/i.test(name) : !!flag; }

  // ---------------------------------------------------------------- JSON shapes
  function projectLocation(p) {
    return {
      projectId: Number(p.id), projectKey: p.key, projectName: p.name, displayName: `${p.name} (${p.key})`,
      name: `${p.name} (${p.key})`, projectTypeKey: 'software',
    };
  }
  function boardJson(b) {
    return { id: b.id, self: `${url}${AGILE}/board/${b.id}`, name: b.name, type: b.type, location: projectLocation(projects.get(b.projectKey)) };
  }
  function boardConfigJson(b) {
    const p = projects.get(b.projectKey);
    return {
      id: b.id, name: b.name, type: b.type, self: `${url}${AGILE}/board/${b.id}/configuration`,
      location: { type: 'project', projectKeyOrId: p.key, key: p.key, id: p.id, name: p.name, self: `${url}/rest/api/3/project/${p.id}` },
      filter: { id: b.filterId, self: `${url}/rest/api/3/filter/${b.filterId}` },
      columnConfig: {
        columns: b.columns.map((c) => ({ name: c.name, statuses: c.statusIds.map((id) => ({ id, self: `${url}/rest/api/3/status/${id}` })) })),
        constraintType: 'none',
      },
      estimation: { type: 'field', field: { fieldId: 'customfield_10016', displayName: 'Story point estimate' } },
      ranking: { rankCustomFieldId: 10019 },
    };
  }
  function sprintJson(s) {
    const out = { id: s.id, self: `${url}${AGILE}/sprint/${s.id}`, state: s.state, name: s.name };
    if (s.startDate != null) out.startDate = fmt(s.startDate);
    if (s.endDate != null) out.endDate = fmt(s.endDate);
    if (s.completeDate != null) out.completeDate = fmt(s.completeDate);
    out.createdDate = fmt(s.createdDate);
    out.originBoardId = s.originBoardId;
    if (s.goal != null) out.goal = s.goal;
    return out;
  }
  function statusJson(id) {
    const s = statuses.get(id);
    const c = CATEGORIES[s.category];
    return {
      id: s.id, name: s.name, self: `${url}/rest/api/3/status/${s.id}`, description: '',
      statusCategory: { id: c.id, key: c.key, name: c.name, colorName: c.colorName, self: `${url}/rest/api/3/statuscategory/${c.id}` },
    };
  }
  function issueTypeJson(issue) {
    const id = ISSUE_TYPES[issue.issueType];
    return { id, name: issue.issueType, subtask: issue.subtask, self: `${url}/rest/api/3/issuetype/${id}` };
  }
  const issueSelf = (i) => `${url}/rest/agile/1.0/issue/${i.id}`;
  const ALL_FIELDS = ['summary', 'status', 'issuetype', 'parent', 'subtasks', 'project', 'sprint', 'closedSprints'];
  function issueJson(i, fieldSet) {
    const f = {};
    const want = (n) => fieldSet.has(n);
    if (want('summary')) f.summary = i.summary;
    if (want('status')) f.status = statusJson(i.statusId);
    if (want('issuetype')) f.issuetype = issueTypeJson(i);
    if (want('parent') && i.parentKey) {
      const p = issues.get(i.parentKey);
      f.parent = { id: p.id, key: p.key, self: issueSelf(p), fields: { summary: p.summary, status: statusJson(p.statusId), issuetype: issueTypeJson(p) } };
    }
    if (want('subtasks')) {
      f.subtasks = [...issues.values()].filter((x) => x.parentKey === i.key).sort(byRank)
        .map((x) => ({ id: x.id, key: x.key, self: issueSelf(x), fields: { summary: x.summary, status: statusJson(x.statusId), issuetype: issueTypeJson(x) } }));
    }
    if (want('project')) {
      const p = projects.get(i.projectKey);
      f.project = { id: p.id, key: p.key, name: p.name, self: `${url}/rest/api/3/project/${p.id}`, projectTypeKey: 'software' };
    }
    if (want('sprint')) f.sprint = i.sprintId != null && sprints.get(i.sprintId).state !== 'closed' ? sprintJson(sprints.get(i.sprintId)) : null;
    if (want('closedSprints')) f.closedSprints = i.closedSprintIds.filter((id) => sprints.has(id)).map((id) => sprintJson(sprints.get(id)));
    return { expand: '', id: i.id, key: i.key, self: issueSelf(i), fields: f };
  }
  function issueControl(i) {
    return { id: i.id, key: i.key, projectKey: i.projectKey, summary: i.summary, statusId: i.statusId, issueType: i.issueType, subtask: i.subtask, parentKey: i.parentKey, sprintId: i.sprintId, closedSprintIds: [...i.closedSprintIds] };
  }

  // ---------------------------------------------------------------- events
  function emitEvent(type, s, atlassianId, before) {
    const ev = { eventType: EVENT(type), sprint: eventSprint(s) };
    if (before && type === 'updated') {
      // Forge: "oldValue ... Present for the sprint updated event", with the changed fields.
      const was = eventSprint({ ...s, ...before });
      const oldValue = {};
      for (const [k, v] of Object.entries(was)) if (JSON.stringify(v) !== JSON.stringify(ev.sprint[k])) oldValue[k] = v;
      if (Object.keys(oldValue).length) ev.oldValue = oldValue;
    }
    if (atlassianId) ev.atlassianId = atlassianId;
    events.push(ev);
    for (const cb of [...listeners]) {
      try {
        const r = cb(JSON.parse(JSON.stringify(ev)));
        if (r && typeof r.catch === 'function') r.catch(() => {});
      } catch { /* a listener's error must not break the emulator */ }
    }
  }
  // Two payload forms (switch `eventForm`): 'forge' is Forge's Jira Software events reference
  // (developer.atlassian.com/platform/forge/events-reference/jira-software: `id: string`,
  // `originBoardId?: string`, `createDate`, dates like "2024-10-05T00:00:00.000+0200", optional
  // fields left out); 'rest' is the Agile REST SprintBean form (numbers, `Z`, nulls), which the
  // first test bed sent. The docs give one example, so the suites run both.
  function offsetDate(ms) {
    if (ms == null) return undefined;
    const off = settings.eventOffsetMinutes;
    const local = new Date(ms + off * 60000).toISOString().slice(0, 23);
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  }
  function eventSprint(s) {
    if (settings.eventForm === 'rest') {
      return {
        id: s.id, self: `${url}${AGILE}/sprint/${s.id}`, state: s.state, name: s.name,
        startDate: fmt(s.startDate) ?? null, endDate: fmt(s.endDate) ?? null, completeDate: fmt(s.completeDate) ?? null,
        originBoardId: s.originBoardId, goal: s.goal ?? null,
      };
    }
    const out = { id: String(s.id), self: `${url}${AGILE}/sprint/${s.id}`, state: s.state, name: s.name };
    if (s.originBoardId != null) out.originBoardId = String(s.originBoardId);
    if (s.goal) out.goal = s.goal;
    for (const [k, v] of [['createDate', s.createdDate], ['startDate', s.startDate], ['endDate', s.endDate], ['completeDate', s.completeDate]]) {
      if (v != null) out[k] = offsetDate(v);
    }
    return out;
  }

  // ---------------------------------------------------------------- rules
  function sprintOrder(b) {
    const ids = b.sprintIds.filter((id) => sprints.has(id));
    const st = (x) => ids.map((id) => sprints.get(id)).filter((s) => s.state === x);
    return [...st('closed'), ...st('active'), ...st('future')];
  }
  function checkName(raw, errors) {
    if (typeof raw !== 'string') { errors.name = 'Sprint name is required.'; return null; }
    const name = raw.trim();
    if (!name) errors.name = 'Sprint name is required.';
    else if (name.length > settings.nameLimit) errors.name = `Sprint name must not be longer than ${settings.nameLimit} characters.`;
    return name;
  }
  function checkGoal(goal, errors) {
    if (goal == null) return null;
    if (typeof goal !== 'string') { errors.goal = 'Sprint goal must be a string.'; return null; }
    if (goal.length > settings.goalLimit) errors.goal = `Sprint goal must not be longer than ${settings.goalLimit} characters.`;
    return goal;
  }
  // ---------------------------------------------------------------- the record Jira keeps
  // Jira Software's Sprint Report (support.atlassian.com, "Sprint Report"; Atlassian's own section
  // definitions were not found, see tests/testbed/README.md): an issue in the sprint when it closed is
  // "completed" (in the Done column) or "not completed", and keeps the closed sprint in its Sprint
  // field (JQL closedSprints()); an issue taken out of an ACTIVE sprint is "removed from sprint" and
  // does not; one put into an active sprint after its start is "added during sprint" (*).
  function reportOf(sp) {
    if (!sp.report) sp.report = { startedWith: new Set(), added: new Set(), removed: new Set(), completed: [], notCompleted: [] };
    return sp.report;
  }
  /** Every change of an issue's open sprint goes through here, so the report sees it. */
  function setSprint(i, sprintId) {
    const to = sprintId == null ? null : Number(sprintId);
    const from = i.sprintId;
    if (from === to) return;
    const was = from == null ? null : sprints.get(from);
    if (was && was.state === 'active') reportOf(was).removed.add(i.key);
    const now_ = to == null ? null : sprints.get(to);
    if (now_ && now_.state === 'active') {
      const r = reportOf(now_);
      r.removed.delete(i.key);
      if (!r.startedWith.has(i.key)) r.added.add(i.key);
    }
    i.sprintId = to;
  }
  function onStarted(sp) {
    const r = reportOf(sp);
    r.startedWith = new Set([...issues.values()].filter((i) => i.sprintId === sp.id).map((i) => i.key));
  }
  /** At the close, before Jira sends the open issues to the backlog. */
  function onClosed(sp) {
    const b = boards.get(sp.originBoardId);
    const r = reportOf(sp);
    for (const i of [...issues.values()].filter((x) => x.sprintId === sp.id).sort(byRank)) {
      (issueDoneOn(b, i) ? r.completed : r.notCompleted).push(i.key);
      if (!i.closedSprintIds.includes(sp.id)) i.closedSprintIds.push(sp.id);
    }
  }

  function openIssuesToBacklog(s, { all = false } = {}) {
    const b = boards.get(s.originBoardId);
    // A sub-task is always in its parent's sprint: a done sub-task of an unfinished parent goes too.
    const goes = (i) => all || !issueDoneOn(b, i) || (i.parentKey && issues.has(i.parentKey) && !issueDoneOn(b, issues.get(i.parentKey)));
    for (const i of issues.values()) {
      if (i.sprintId === s.id && goes(i)) i.sprintId = null;
    }
  }

  /** Validated update of a sprint (POST partial / PUT full). Throws HttpError. Returns the event type. */
  function updateSprintChecked(s, payload, { full, atlassianId, emit = true }) {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw bad('The request body must be a JSON object.');
    const has = (k) => Object.prototype.hasOwnProperty.call(payload, k);
    const errors = {};
    const next = { name: s.name, goal: s.goal, startDate: s.startDate, endDate: s.endDate, state: s.state };
    if (full || has('name')) next.name = checkName(payload.name, errors);
    if (full || has('goal')) next.goal = checkGoal(payload.goal, errors);
    try { if (full || has('startDate')) next.startDate = parseRestDate(payload.startDate, 'startDate'); } catch (e) { Object.assign(errors, e.body.errors); }
    try { if (full || has('endDate')) next.endDate = parseRestDate(payload.endDate, 'endDate'); } catch (e) { Object.assign(errors, e.body.errors); }
    if (has('state') && payload.state != null) {
      if (!['future', 'active', 'closed'].includes(payload.state)) errors.state = `Unknown sprint state: ${payload.state}`;
      else next.state = payload.state;
    }
    if (Object.keys(errors).length) throw bad(null, errors);
    const from = s.state;
    const to = next.state;
    const order = { future: 0, active: 1, closed: 2 };
    if (order[to] < order[from]) throw bad(`A ${from} sprint cannot be changed back to ${to}.`);
    if (from === 'future' && to === 'closed') throw bad('Sprint must be active to be completed. A future sprint cannot be closed.');
    if (from === 'closed') {
      if (next.startDate !== s.startDate || next.endDate !== s.endDate) throw bad('A closed sprint accepts only name and goal changes.');
    }
    if (next.startDate != null && next.endDate != null && next.endDate < next.startDate) {
      throw bad(null, { endDate: 'The end date must be after the start date.' });
    }
    if (from === 'active' && (next.startDate == null || next.endDate == null)) {
      throw bad('An active sprint must have a start date and an end date.');
    }
    let completeDate = s.completeDate;
    if (from === 'future' && to === 'active') {
      if (next.startDate == null || next.endDate == null) throw bad('A sprint cannot be started without a start date and an end date.');
      if (next.endDate < now()) throw bad('The sprint end date must not be in the past to start the sprint.');
      if (!settings.parallelSprints) {
        const b = boards.get(s.originBoardId);
        const other = b.sprintIds.map((id) => sprints.get(id)).find((x) => x && x.id !== s.id && x.state === 'active');
        if (other) throw bad(`Board ${b.id} already has an active sprint (${other.id}: ${other.name}). Parallel sprints are not enabled.`);
      }
      if (settings.startOverwritesStartDate) next.startDate = now();
    }
    if (from === 'active' && to === 'closed') {
      if (settings.subtaskRuleOnClose) {
        const b = boards.get(s.originBoardId);
        const blocked = [];
        for (const p of issues.values()) {
          if (p.sprintId !== s.id || p.subtask || !issueDoneOn(b, p)) continue;
          const open = [...issues.values()].filter((x) => x.parentKey === p.key && !issueDoneOn(b, x));
          if (open.length) blocked.push(`${p.key} (open sub-tasks: ${open.map((x) => x.key).join(', ')})`);
        }
        if (blocked.length) throw bad(`Sprint cannot be completed: these issues are done but have sub-tasks that are not done: ${blocked.join('; ')}.`);
      }
      completeDate = now();
    }
    const before = { name: s.name, goal: s.goal, startDate: s.startDate, endDate: s.endDate, state: s.state, completeDate: s.completeDate };
    if (from === 'active' && to === 'closed') onClosed(s);
    Object.assign(s, next, { completeDate });
    if (from === 'future' && to === 'active') onStarted(s);
    if (from === 'active' && to === 'closed') openIssuesToBacklog(s);
    const type = from !== to ? (to === 'active' ? 'started' : 'closed') : 'updated';
    if (emit) emitEvent(type, s, atlassianId, before);
    return type;
  }

  function deleteSprintChecked(s, atlassianId, emit = true) {
    if (s.state === 'closed') throw bad('A closed sprint cannot be deleted.');
    openIssuesToBacklog(s, { all: true });
    sprints.delete(s.id);
    const b = boards.get(s.originBoardId);
    b.sprintIds = b.sprintIds.filter((x) => x !== s.id);
    if (emit) emitEvent('deleted', s, atlassianId);
  }

  function findIssue(ref) {
    const r = String(ref);
    if (issues.has(r)) return issues.get(r);
    for (const i of issues.values()) if (i.id === r) return i;
    return undefined;
  }
  function rankMoved(moved, before, after) {
    if (!before && !after) return;
    const keys = moved.map((i) => i.key);
    const rest = rankOrder.filter((k) => !keys.includes(k));
    let at;
    if (before) at = rest.indexOf(before.key);
    else at = rest.indexOf(after.key) + 1;
    if (at < 0) at = rest.length;
    rest.splice(at, 0, ...keys);
    rankOrder = rest;
  }
  function issuesPayload(body, { max = 50 } = {}) {
    if (!body || !Array.isArray(body.issues)) throw bad(null, { issues: 'issues must be a list of issue keys or ids.' });
    if (body.issues.length === 0) throw bad(null, { issues: 'At least one issue is required.' });
    if (body.issues.length > max) throw bad(`Cannot move more than ${max} issues in one request (got ${body.issues.length}).`);
    return body.issues.map(String);
  }
  function rankTargets(body) {
    const get = (k) => {
      if (body[k] == null) return null;
      const i = findIssue(body[k]);
      if (!i) throw bad(`Issue ${body[k]} (${k}) does not exist.`);
      return i;
    };
    return { before: get('rankBeforeIssue'), after: get('rankAfterIssue') };
  }
  /** Moving a parent carries its sub-tasks along (Jira keeps sub-tasks with their parent). */
  function withSubtasks(list) {
    const out = [...list];
    for (const i of list) {
      if (i.subtask) continue;
      for (const x of issues.values()) if (x.parentKey === i.key && !out.includes(x)) out.push(x);
    }
    return out;
  }

  // ---------------------------------------------------------------- REST handlers
  function page(list, q, { defMax = 50, cap = 50 } = {}) {
    const startAt = Math.max(0, parseInt(q.startAt ?? '0', 10) || 0);
    let maxResults = parseInt(q.maxResults ?? String(defMax), 10);
    if (!Number.isFinite(maxResults) || maxResults <= 0) maxResults = defMax;
    maxResults = Math.min(maxResults, cap);
    const values = list.slice(startAt, startAt + maxResults);
    return { startAt, maxResults, total: list.length, isLast: startAt + values.length >= list.length, values };
  }
  function intParam(v, what) {
    if (!/^\d+$/.test(String(v))) throw notFound(`${what} ${v} does not exist.`);
    return Number(v);
  }
  function getBoard(ctx, id) {
    const b = boards.get(intParam(id, 'Board'));
    if (!b) throw notFound(`Board does not exist or you do not have permission to see it.`);
    requireProjectAccess(ctx, b.projectKey);
    return b;
  }
  function getSprintFor(ctx, id) {
    const s = sprints.get(intParam(id, 'Sprint'));
    if (!s) throw notFound(`Sprint with id ${id} does not exist or you do not have permission to see it.`);
    requireProjectAccess(ctx, boards.get(s.originBoardId).projectKey);
    return s;
  }
  function requireProjectAccess(ctx, projectKey) {
    if (ctx.provider === 'app' && appAccess.get(projectKey) === false) {
      throw new HttpError(403, [`The app does not have access to project ${projectKey} (atlassian-addons-project-access role removed).`]);
    }
  }
  function requireCaller(ctx) {
    if (ctx.provider === 'app') return;
    if (ctx.provider === 'user' && ctx.user) return;
    throw new HttpError(401, ['You are not authenticated. Authentication required to perform this operation.']);
  }

  const routes = [];
  const route = (method, re, fn) => routes.push({ method, re, fn });

  route('GET', /^\/rest\/agile\/1\.0\/board$/, (ctx) => {
    requireCaller(ctx);
    const q = ctx.query;
    let list = [...boards.values()].sort((a, b) => a.id - b.id);
    if (q.type) {
      const types = q.type.split(',').map((x) => x.trim());
      for (const t of types) if (!['scrum', 'kanban', 'simple'].includes(t)) throw bad(`Invalid board type: ${t}`);
      list = list.filter((b) => types.includes(b.type));
    }
    if (q.projectKeyOrId) {
      const p = projectByKeyOrId(q.projectKeyOrId);
      if (!p) throw bad(`No project could be found with key or id '${q.projectKeyOrId}'.`);
      list = list.filter((b) => b.projectKey === p.key);
    }
    if (q.name) list = list.filter((b) => b.name.toLowerCase().includes(String(q.name).toLowerCase()));
    const pg = page(list, q);
    const body = { maxResults: pg.maxResults, startAt: pg.startAt, total: pg.total, isLast: pg.isLast, values: pg.values.map(boardJson) };
    if (settings.omitTotal) delete body.total;
    return { status: 200, body };
  });
  route('GET', /^\/rest\/agile\/1\.0\/board\/([^/]+)$/, (ctx, [id]) => {
    requireCaller(ctx);
    return { status: 200, body: boardJson(getBoard(ctx, id)) };
  });
  route('GET', /^\/rest\/agile\/1\.0\/board\/([^/]+)\/configuration$/, (ctx, [id]) => {
    requireCaller(ctx);
    const b = getBoard(ctx, id);
    // Whether a team-managed board answers its configuration is not documented (switch
    // simpleBoardConfiguration: 'columns' answers like a scrum board, 'unsupported' a 400).
    if (b.type === 'simple' && settings.simpleBoardConfiguration === 'unsupported') throw bad('Board configuration is not available for team-managed boards.');
    return { status: 200, body: boardConfigJson(b) };
  });
  route('GET', /^\/rest\/agile\/1\.0\/board\/([^/]+)\/sprint$/, (ctx, [id]) => {
    requireCaller(ctx);
    const b = getBoard(ctx, id);
    if (!b.sprintsOn) throw bad('The board does not support sprints.');
    let list = sprintOrder(b);
    if (ctx.query.state) {
      const states = ctx.query.state.split(',').map((x) => x.trim()).filter(Boolean);
      for (const st of states) if (!['future', 'active', 'closed'].includes(st)) throw bad(`Invalid sprint state: ${st}`);
      list = list.filter((s) => states.includes(s.state));
    }
    const pg = page(list, ctx.query);
    const body = { maxResults: pg.maxResults, startAt: pg.startAt, total: pg.total, isLast: pg.isLast, values: pg.values.map(sprintJson) };
    if (settings.omitTotal) delete body.total;
    return { status: 200, body };
  });
  route('POST', /^\/rest\/agile\/1\.0\/sprint$/, (ctx) => {
    requireCaller(ctx);
    const p = ctx.body;
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw bad('The request body must be a JSON object.');
    const errors = {};
    const name = checkName(p.name, errors);
    const goal = checkGoal(p.goal, errors);
    if (p.originBoardId == null) errors.originBoardId = 'originBoardId is required.';
    let startDate = null; let endDate = null;
    try { startDate = parseRestDate(p.startDate, 'startDate'); } catch (e) { Object.assign(errors, e.body.errors); }
    try { endDate = parseRestDate(p.endDate, 'endDate'); } catch (e) { Object.assign(errors, e.body.errors); }
    if (Object.keys(errors).length) throw bad(null, errors);
    const b = boards.get(Number(p.originBoardId));
    if (!b) throw bad(null, { originBoardId: `Board ${p.originBoardId} does not exist.` });
    requireProjectAccess(ctx, b.projectKey);
    if (!b.sprintsOn) throw bad('The board does not support sprints.');
    if (startDate != null && endDate != null && endDate < startDate) throw bad(null, { endDate: 'The end date must be after the start date.' });
    const s = addSprint({ boardId: b.id, name, goal, startDate, endDate });
    emitEvent('created', sprints.get(s.id), ctx.atlassianId);
    return { status: 201, body: sprintJson(sprints.get(s.id)) };
  });
  route('GET', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)$/, (ctx, [id]) => {
    requireCaller(ctx);
    return { status: 200, body: sprintJson(getSprintFor(ctx, id)) };
  });
  const update = (full) => (ctx, [id]) => {
    requireCaller(ctx);
    const s = getSprintFor(ctx, id);
    updateSprintChecked(s, ctx.body, { full, atlassianId: ctx.atlassianId });
    return { status: 200, body: sprintJson(s) };
  };
  route('POST', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)$/, update(false));
  route('PUT', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)$/, update(true));
  route('DELETE', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)$/, (ctx, [id]) => {
    requireCaller(ctx);
    deleteSprintChecked(getSprintFor(ctx, id), ctx.atlassianId);
    return { status: 204 };
  });
  route('POST', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)\/swap$/, (ctx, [id]) => {
    requireCaller(ctx);
    const a = getSprintFor(ctx, id);
    const otherId = ctx.body && ctx.body.sprintToSwapWith;
    if (otherId == null) throw bad(null, { sprintToSwapWith: 'sprintToSwapWith is required.' });
    const b = getSprintFor(ctx, otherId);
    if (a.id === b.id) throw bad('A sprint cannot be swapped with itself.');
    if (a.state !== 'future' || b.state !== 'future') throw bad('Only future sprints can be swapped.');
    if (a.originBoardId !== b.originBoardId) throw bad('Sprints must belong to the same board to be swapped.');
    const board = boards.get(a.originBoardId);
    const ia = board.sprintIds.indexOf(a.id);
    const ib = board.sprintIds.indexOf(b.id);
    board.sprintIds[ia] = b.id;
    board.sprintIds[ib] = a.id;
    return { status: 204 };
  });
  route('GET', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)\/issue$/, (ctx, [id]) => {
    requireCaller(ctx);
    const s = getSprintFor(ctx, id);
    const filter = parseJql(ctx.query.jql);
    let fieldSet;
    if (ctx.query.fields == null || ctx.query.fields === '' || /(^|,)\s*\*(all|navigable)\s*(,|$)/.test(ctx.query.fields)) fieldSet = new Set(ALL_FIELDS);
    else fieldSet = new Set(ctx.query.fields.split(',').map((x) => x.trim()));
    // A closed sprint lists the issues it closed with (completed and not), wherever they are now.
    const inSprint = s.state === 'closed' ? (i) => i.closedSprintIds.includes(s.id) : (i) => i.sprintId === s.id;
    const list = [...issues.values()].filter(inSprint).sort(byRank).filter(filter);
    const pg = page(list, ctx.query, { defMax: 50, cap: 100 });
    return {
      status: 200,
      body: { expand: 'schema,names', startAt: pg.startAt, maxResults: pg.maxResults, total: pg.total, issues: pg.values.map((i) => issueJson(i, fieldSet)) },
    };
  });
  route('POST', /^\/rest\/agile\/1\.0\/sprint\/([^/]+)\/issue$/, (ctx, [id]) => {
    requireCaller(ctx);
    const s = getSprintFor(ctx, id);
    const refs = issuesPayload(ctx.body);
    if (s.state === 'closed') throw bad('Issues cannot be moved to a closed sprint.');
    const list = refs.map((r) => findIssue(r) || r);
    const missing = list.filter((x) => typeof x === 'string');
    if (missing.length) throw bad(`Issue(s) do not exist or you do not have permission to see them: ${missing.join(', ')}`);
    for (const i of list) requireProjectAccess(ctx, i.projectKey);
    const { before, after } = rankTargets(ctx.body);
    for (const i of withSubtasks(list)) setSprint(i, s.id);
    rankMoved(list, before, after);
    return { status: 204 };
  });
  route('POST', /^\/rest\/agile\/1\.0\/backlog\/issue$/, (ctx) => {
    requireCaller(ctx);
    const refs = issuesPayload(ctx.body);
    const list = refs.map((r) => findIssue(r) || r);
    const missing = list.filter((x) => typeof x === 'string');
    if (missing.length) throw bad(`Issue(s) do not exist or you do not have permission to see them: ${missing.join(', ')}`);
    for (const i of list) requireProjectAccess(ctx, i.projectKey);
    for (const i of withSubtasks(list)) setSprint(i, null);
    return { status: 204 };
  });
  route('POST', /^\/rest\/agile\/1\.0\/backlog\/([^/]+)\/issue$/, (ctx, [id]) => {
    requireCaller(ctx);
    const b = getBoard(ctx, id);
    const refs = issuesPayload(ctx.body);
    const { before, after } = rankTargets(ctx.body);
    const entries = [];
    const moved = [];
    for (const r of refs) {
      const i = findIssue(r);
      if (!i) { entries.push({ issueKey: r, status: 404, errors: [`Issue ${r} does not exist or you do not have permission to see it.`] }); continue; }
      if (i.projectKey !== b.projectKey) {
        entries.push({ issueId: Number(i.id), issueKey: i.key, status: 400, errors: [`Issue ${i.key} is not on board ${b.id}.`] });
        continue;
      }
      moved.push(i);
      entries.push({ issueId: Number(i.id), issueKey: i.key, status: 200 });
    }
    for (const i of withSubtasks(moved)) setSprint(i, null);
    rankMoved(moved, before, after);
    if (entries.every((e) => e.status === 200)) return { status: 204 };
    return { status: 207, body: { entries } };
  });
  route('GET', /^\/rest\/api\/3\/mypermissions$/, (ctx) => {
    if (ctx.provider === 'user' && !ctx.user) throw new HttpError(401, ['You are not authenticated. Authentication required to perform this operation.']);
    const q = ctx.query;
    if (!q.permissions || !String(q.permissions).trim()) throw bad('The permissions query parameter is required.', {});
    const keys = String(q.permissions).split(',').map((x) => x.trim()).filter(Boolean);
    const unknown = keys.filter((k) => !PERMISSIONS[k]);
    if (unknown.length) throw bad(`Unrecognized permission key(s): ${unknown.join(', ')}`);
    let project = null;
    if (q.projectKey != null || q.projectId != null) {
      project = q.projectKey != null ? projects.get(String(q.projectKey)) : projectByKeyOrId(q.projectId);
      if (!project || (q.projectId != null && project.id !== String(q.projectId) && q.projectKey == null)) {
        throw notFound(`No project could be found with ${q.projectKey != null ? `key '${q.projectKey}'` : `id '${q.projectId}'`}.`);
      }
    }
    const out = {};
    for (const k of keys) {
      const meta = PERMISSIONS[k];
      let have = false;
      if (ctx.provider === 'app') have = true;
      else if (ctx.user) {
        const u = ctx.user;
        if (k === 'ADMINISTER' || k === 'SYSTEM_ADMIN') have = u.jiraAdmin;
        else if (k === 'ADMINISTER_PROJECTS') have = u.jiraAdmin || (project ? u.projectAdminOf.includes(project.key) : u.projectAdminOf.length > 0);
        else if (PROJECT_PERMISSIONS_FOR_ALL.has(k)) have = true;
      }
      out[k] = { id: meta.id, key: k, name: meta.name, type: meta.type, description: meta.description, havePermission: have };
    }
    return { status: 200, body: { permissions: out } };
  });

  // ---------------------------------------------------------------- JQL (small subset)
  /*
   * Supported JQL (clauses joined by AND; a trailing ORDER BY is ignored; anything else -> 400):
   *   statusCategory (=|!=) (Done|"To Do"|"In Progress"|done|new|indeterminate|<category id>)
   *   status (=|!=) <id or "name">;  status (in|not in) (<id or "name">, ...)
   *   issuetype (=|!=) <name>;  issuetype (in|not in) (subTaskIssueTypes()|standardIssueTypes())
   *   key (in|not in) (<KEY>, ...)
   *   sprint (in|not in) (openSprints()|futureSprints()|closedSprints())
   */
  function parseJql(jql) {
    if (jql == null || !String(jql).trim()) return () => true;
    const text = String(jql).replace(/\s+order\s+by\s+.*$/i, '').trim();
    if (!text) return () => true;
    const fail = (c) => bad(`Error in the JQL Query: the emulator does not support '${c}'.`);
    const unq = (v) => v.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
    const list = (v) => v.split(',').map(unq).filter(Boolean);
    const catOf = (v) => Object.values(CATEGORIES).find((c) => [c.name.toLowerCase(), c.key, String(c.id)].includes(v.toLowerCase()));
    const statusMatch = (i, v) => i.statusId === v || statuses.get(i.statusId).name.toLowerCase() === v.toLowerCase();
    const preds = text.split(/\s+AND\s+/i).map((clause) => {
      const c = clause.trim().replace(/^\((.*)\)$/, '$1').trim();
      if (/\s+OR\s+/i.test(c)) throw fail(c);
      let m;
      if ((m = /^statusCategory\s*(!=|=)\s*("[^"]+"|'[^']+'|\S+)$/i.exec(c))) {
        const cat = catOf(unq(m[2]));
        if (!cat) throw bad(`Error in the JQL Query: the value '${unq(m[2])}' does not exist for the field 'statusCategory'.`);
        const eq = m[1] === '=';
        return (i) => (CATEGORIES[statuses.get(i.statusId).category].id === cat.id) === eq;
      }
      if ((m = /^status\s+(not\s+in|in)\s*\(([^)]*)\)$/i.exec(c))) {
        const vals = list(m[2]);
        const neg = /not/i.test(m[1]);
        return (i) => vals.some((v) => statusMatch(i, v)) !== neg;
      }
      if ((m = /^status\s*(!=|=)\s*("[^"]+"|'[^']+'|\S+)$/i.exec(c))) {
        const v = unq(m[2]);
        const eq = m[1] === '=';
        return (i) => statusMatch(i, v) === eq;
      }
      if ((m = /^issuetype\s+(not\s+in|in)\s+(subTaskIssueTypes|standardIssueTypes)\(\)$/i.exec(c))) {
        const neg = /not/i.test(m[1]);
        const wantSub = /^sub/i.test(m[2]);
        return (i) => (i.subtask === wantSub) !== neg;
      }
      if ((m = /^issuetype\s*(!=|=)\s*("[^"]+"|'[^']+'|\S+)$/i.exec(c))) {
        const v = unq(m[2]).toLowerCase();
        const eq = m[1] === '=';
        return (i) => (i.issueType.toLowerCase() === v || ISSUE_TYPES[i.issueType] === v) === eq;
      }
      // openSprints(): "a sprint that was started, but has not yet been completed" (Jira's JQL functions
      // reference, after JSWCLOUD-15217: the active ones); futureSprints(): not started yet.
      if ((m = /^sprint\s+(not\s+in|in)\s+(openSprints|closedSprints|futureSprints)\(\)$/i.exec(c))) {
        const neg = /not/i.test(m[1]);
        const which = m[2].toLowerCase();
        const inState = (st) => i0 => i0.sprintId != null && sprints.has(i0.sprintId) && sprints.get(i0.sprintId).state === st;
        const test = which === 'opensprints' ? inState('active') : which === 'futuresprints' ? inState('future') : (i0) => i0.closedSprintIds.length > 0;
        return (i) => test(i) !== neg;
      }
      if ((m = /^key\s+(not\s+in|in)\s*\(([^)]*)\)$/i.exec(c))) {
        const vals = list(m[2]);
        const neg = /not/i.test(m[1]);
        return (i) => vals.includes(i.key) !== neg;
      }
      throw fail(c);
    });
    return (i) => preds.every((p) => p(i));
  }

  // ---------------------------------------------------------------- rate limiter
  function takeToken() {
    if (!rateLimit) return { ok: true };
    const t = now();
    const rl = rateLimit;
    rl.tokens = Math.min(rl.capacity, rl.tokens + ((t - rl.last) / 1000) * rl.refillPerSecond);
    rl.last = t;
    if (rl.tokens >= 1) {
      rl.tokens -= 1;
      rl.allowed += 1;
      const remaining = Math.floor(rl.tokens);
      const headers = { 'X-RateLimit-Limit': String(rl.capacity), 'X-RateLimit-Remaining': String(remaining) };
      if (remaining < rl.capacity * 0.2) headers['X-RateLimit-NearLimit'] = 'true';
      return { ok: true, headers };
    }
    rl.limited += 1;
    const wait = rl.refillPerSecond > 0 ? (1 - rl.tokens) / rl.refillPerSecond : 3600;
    const retryAfter = Math.max(1, Math.ceil(wait));
    return {
      ok: false,
      headers: {
        'Retry-After': String(retryAfter), 'X-RateLimit-Limit': String(rl.capacity), 'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': new Date(t + retryAfter * 1000).toISOString(), 'RateLimit-Reason': 'jira-burst-based',
      },
    };
  }

  // ---------------------------------------------------------------- faults
  function ruleMatches(rule, entry, qs) {
    if (rule.method && rule.method.toUpperCase() !== entry.method) return false;
    if (rule.provider && rule.provider !== entry.provider) return false;
    if (rule.pathMatch == null) return true;
    if (rule.pathMatch instanceof RegExp) return rule.pathMatch.test(qs ? `${entry.path}?${qs}` : entry.path);
    return rule.pathMatch === entry.path;
  }
  function pickFault(entry, qs) {
    for (const rule of scripted) {
      if (!ruleMatches(rule, entry, qs)) continue;
      rule.seen += 1;
      if (rule.seen >= rule.nth && rule.fired < rule.times) {
        rule.fired += 1;
        return rule;
      }
    }
    if (faultRate && faultRate.rate > 0 && ruleMatches(faultRate, entry, qs)) {
      const r = faultRate.rand();
      const k = faultRate.rand();
      if (r < faultRate.rate) {
        const kind = faultRate.kinds[Math.floor(k * faultRate.kinds.length)];
        return { kind, phase: 'before', retryAfterSeconds: faultRate.retryAfterSeconds, latencyMs: faultRate.latencyMs, random: true };
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- HTTP plumbing
  // Jira's points (developer.atlassian.com/cloud/jira/platform/rate-limiting): "Each request starts
  // with a base cost of 1 point, and additional points are added for each object involved. Write
  // requests are charged only the base cost"; issues, projects (and, by the default row, boards and
  // sprints) 1 each, permissions 2 each. Counted per request (entry.points) and in pointStats.
  function pointsOf(entry, status, body) {
    if (entry.method !== 'GET' || status >= 300 || !body || typeof body !== 'object') return 1;
    if (Array.isArray(body.issues)) return 1 + body.issues.length;
    if (Array.isArray(body.values)) return 1 + body.values.length;
    if (body.permissions && typeof body.permissions === 'object') return 1 + 2 * Object.keys(body.permissions).length;
    return 2;
  }
  function send(res, entry, status, body, headers = {}) {
    entry.status = status;
    entry.points = pointsOf(entry, status, body);
    pointStats.total += entry.points;
    if (quota && entry.provider === 'app' && !entry.quotaRefused) quota.spent += entry.points;
    pointStats.byProvider[entry.provider] = (pointStats.byProvider[entry.provider] || 0) + entry.points;
    const h = { ...headers };
    let payload = '';
    if (body !== undefined && status !== 204) {
      payload = JSON.stringify(body);
      h['Content-Type'] = 'application/json;charset=UTF-8';
    }
    h['Content-Length'] = Buffer.byteLength(payload);
    res.writeHead(status, h);
    res.end(payload);
  }
  function applyFaultResponse(fault, res, req, entry) {
    entry.fault = fault.kind;
    const retry = String(Math.max(1, Math.ceil(fault.retryAfterSeconds ?? 1)));
    switch (fault.kind) {
      case '429':
        return send(res, entry, 429, { errorMessages: ['Rate limit exceeded.'], errors: {} }, {
          'Retry-After': retry, 'X-RateLimit-Limit': String(rateLimit ? rateLimit.capacity : 100), 'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': new Date(now() + Number(retry) * 1000).toISOString(), 'RateLimit-Reason': 'jira-burst-based',
        });
      case '500':
        return send(res, entry, 500, { errorMessages: ['Internal server error (injected).'], errors: {} });
      case '503':
        return send(res, entry, 503, { errorMessages: ['Service unavailable (injected).'], errors: {} }, { 'Retry-After': retry });
      case 'timeout':
        entry.status = null;
        held.add(res);
        res.on('close', () => held.delete(res));
        return undefined;
      case 'drop':
        entry.status = null;
        req.socket.destroy();
        return undefined;
      default:
        throw new Error(`unknown fault kind ${fault.kind}`);
    }
  }

  function dispatch(ctx) {
    for (const r of routes) {
      if (r.method !== ctx.method) continue;
      const m = r.re.exec(ctx.path);
      if (m) return r.fn(ctx, m.slice(1).map(decodeURIComponent));
    }
    throw notFound(`No resource found for ${ctx.method} ${ctx.path}.`);
  }

  async function onRequest(req, res) {
    const u = new URL(req.url, 'http://localhost');
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const provider = String(req.headers['x-forge-provider'] || 'none');
    const accountId = req.headers['x-forge-account-id'] ? String(req.headers['x-forge-account-id']) : undefined;
    const query = Object.fromEntries(u.searchParams.entries());
    let body;
    let badJson = false;
    if (raw.length) {
      try { body = JSON.parse(raw); } catch { badJson = true; body = raw; }
    }
    const entry = { method: req.method, path: u.pathname, query, provider, accountId, body, status: undefined, at: now() };
    requests.push(entry);
    const qs = u.searchParams.toString();

    const fault = pickFault(entry, qs);
    if (fault && fault.kind === 'latency') {
      entry.fault = 'latency';
      await new Promise((r) => setTimeout(r, fault.latencyMs ?? 100));
      if (closed) return undefined;
    } else if (fault && fault.phase !== 'after') {
      return applyFaultResponse(fault, res, req, entry);
    }

    let extraHeaders = {};
    if (provider === 'app' && quota) {
      // The hourly points quota (developer.atlassian.com/cloud/jira/platform/rate-limiting): "All requests
      // are denied until the next hourly reset", 429 with Retry-After to the top of the UTC hour.
      const t = now();
      const hour = Math.floor(t / 3600000);
      if (hour !== quota.hour) Object.assign(quota, { hour, spent: 0 });
      if (quota.spent >= quota.perHour) {
        quota.refused += 1;
        entry.quotaRefused = true;
        const reset = (hour + 1) * 3600000;
        return send(res, entry, 429, { errorMessages: ['Rate limit exceeded.'], errors: {} }, {
          'Retry-After': String(Math.max(1, Math.ceil((reset - t) / 1000))), 'X-RateLimit-Limit': String(quota.perHour),
          'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': new Date(reset).toISOString(), 'RateLimit-Reason': quota.reason,
        });
      }
    }
    if (provider === 'app' && quota && quota.perHour - quota.spent < quota.perHour * 0.2) {
      // "X-RateLimit-NearLimit: true" when under 20 % of the budget is left (same page, headers)
      extraHeaders['X-RateLimit-NearLimit'] = 'true';
    }
    if (provider === 'app') {
      const t = takeToken();
      if (!t.ok) {
        entry.rateLimited = true;
        return send(res, entry, 429, { errorMessages: ['Rate limit exceeded.'], errors: {} }, t.headers);
      }
      extraHeaders = { ...extraHeaders, ...(t.headers || {}) };
    }

    const ctx = {
      method: req.method, path: u.pathname, query, body, provider,
      user: provider === 'user' && accountId ? users.get(accountId) : undefined,
    };
    ctx.atlassianId = ctx.user ? ctx.user.accountId : undefined;
    let result;
    try {
      if (provider === 'user' && !ctx.user && u.pathname !== '/rest/api/3/mypermissions') {
        throw new HttpError(401, ['You are not authenticated. Authentication required to perform this operation.']);
      }
      if (badJson) throw bad('Unexpected character in the request body: invalid JSON.');
      result = dispatch(ctx);
    } catch (e) {
      if (!(e instanceof HttpError)) {
        result = { status: 500, body: { errorMessages: [`Emulator error: ${e.message}`], errors: {} } };
      } else result = { status: e.status, body: e.body, headers: e.headers };
    }
    if (fault && fault.phase === 'after') {
      entry.applied = true;
      entry.resultStatus = result.status;
      return applyFaultResponse(fault, res, req, entry);
    }
    return send(res, entry, result.status, result.body, { ...extraHeaders, ...(result.headers || {}) });
  }

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((e) => {
      try { res.writeHead(500, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ errorMessages: [String(e && e.message)], errors: {} })); } catch { /* socket gone */ }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  url = `http://127.0.0.1:${server.address().port}`;

  // ---------------------------------------------------------------- public object
  const sprintOrThrow = (id) => {
    const s = sprints.get(Number(id));
    if (!s) throw new Error(`unknown sprint ${id}`);
    return s;
  };
  const api = {
    url,
    requests,
    events,
    async close() {
      if (closed) return;
      closed = true;
      for (const res of held) { try { res.socket && res.socket.destroy(); } catch { /* ignore */ } }
      held.clear();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
    },
    heldConnections: () => held.size,

    addUser, addProject, addStatus, addBoard, addSprint, addIssue,
    updateSprint(id, fields = {}, { validate = false, full = false, emit = false, atlassianId } = {}) {
      const s = sprintOrThrow(id);
      if (validate) {
        const payload = { ...fields };
        for (const k of ['startDate', 'endDate']) if (typeof payload[k] === 'number') payload[k] = fmt(payload[k]);
        try {
          updateSprintChecked(s, payload, { full, atlassianId, emit });
        } catch (e) {
          if (e instanceof HttpError) { const err = new Error(e.message); err.status = e.status; err.body = e.body; throw err; }
          throw e;
        }
        return sprintJson(s);
      }
      const from = s.state;
      const before = { name: s.name, goal: s.goal, startDate: s.startDate, endDate: s.endDate, state: s.state, completeDate: s.completeDate };
      if (from !== 'closed' && fields.state === 'closed') onClosed(s);
      for (const k of ['name', 'goal', 'state']) if (k in fields) s[k] = fields[k];
      for (const k of ['startDate', 'endDate', 'completeDate']) if (k in fields) s[k] = controlDate(fields[k]);
      if (from === 'future' && s.state === 'active') onStarted(s);
      if (from !== 'closed' && s.state === 'closed') {
        if (s.completeDate == null) s.completeDate = now();
        openIssuesToBacklog(s);
      }
      if (emit) emitEvent(from !== s.state ? (s.state === 'active' ? 'started' : s.state === 'closed' ? 'closed' : 'updated') : 'updated', s, atlassianId, before);
      return sprintJson(s);
    },
    deleteSprint(id, { emit = false, atlassianId } = {}) {
      const s = sprintOrThrow(id);
      openIssuesToBacklog(s, { all: true });
      sprints.delete(s.id);
      const b = boards.get(s.originBoardId);
      b.sprintIds = b.sprintIds.filter((x) => x !== s.id);
      if (emit) emitEvent('deleted', s, atlassianId);
    },
    setIssueStatus(key, statusId) {
      const i = issues.get(key);
      if (!i) throw new Error(`unknown issue ${key}`);
      if (!statuses.has(String(statusId))) throw new Error(`unknown status ${statusId}`);
      i.statusId = String(statusId);
      return issueControl(i);
    },
    moveIssues(keys, sprintId) {
      if (sprintId != null) sprintOrThrow(sprintId);
      for (const k of keys) {
        const i = issues.get(k);
        if (!i) throw new Error(`unknown issue ${k}`);
        setSprint(i, sprintId);
      }
    },

    getSprint(id) { const s = sprints.get(Number(id)); return s ? sprintJson(s) : undefined; },
    getBoard(id) { const b = boards.get(Number(id)); return b ? { id: b.id, name: b.name, type: b.type, projectKey: b.projectKey } : undefined; },
    sprintsOfBoard(boardId) {
      const b = boards.get(Number(boardId));
      if (!b) throw new Error(`unknown board ${boardId}`);
      return sprintOrder(b).map(sprintJson);
    },
    issuesInSprint(id) {
      return [...issues.values()].filter((i) => i.sprintId === Number(id)).sort(byRank).map(issueControl);
    },
    backlogOf(projectKeyOrBoardId) {
      const key = typeof projectKeyOrBoardId === 'number' ? boards.get(projectKeyOrBoardId)?.projectKey : projectKeyOrBoardId;
      if (!projects.has(key)) throw new Error(`unknown project/board ${projectKeyOrBoardId}`);
      return [...issues.values()].filter((i) => i.projectKey === key && i.sprintId == null).sort(byRank).map(issueControl);
    },
    issue(key) { const i = issues.get(key); return i ? issueControl(i) : undefined; },
    /** The Sprint Report's lists for a sprint (issue keys, rank order): completed / notCompleted at
     *  its close, removed (taken out while active), added (put in after its start). */
    sprintReport(id) {
      const sp = sprintOrThrow(id);
      const r = reportOf(sp);
      const ranked = (set) => [...set].sort((a, b) => rankOrder.indexOf(a) - rankOrder.indexOf(b));
      return { completed: [...r.completed], notCompleted: [...r.notCompleted], removed: ranked(r.removed), added: ranked(r.added) };
    },
    /** Personal data and Jira content seeded in this emulator (for the log audit). */
    seededSecrets() {
      return {
        summaries: [...issues.values()].map((i) => i.summary).filter(Boolean),
        names: [...users.values()].map((u) => u.displayName).filter(Boolean),
        emails: [...users.values()].map((u) => u.emailAddress).filter(Boolean),
        accountIds: [...users.keys()],
      };
    },
    isDoneOnBoard(boardId, key) { return issueDoneOn(boards.get(Number(boardId)), issues.get(key)); },

    setParallelSprints(v) { settings.parallelSprints = !!v; },
    setSubtaskRuleOnClose(v) { settings.subtaskRuleOnClose = !!v; },
    setAppProjectAccess(key, v) { appAccess.set(key, !!v); },
    setNameLimit(n) { settings.nameLimit = Number(n); },
    setOmitTotal(v) { settings.omitTotal = !!v; },
    /** The app's hourly points quota ({perHour, reason} | null). The docs name `jira-quota-global-based`
     *  (Tier 1) and `jira-quota-tenant-based` (Tier 2); `jira-cost-based` is reported from production. */
    setPointsQuota(cfg) {
      if (!cfg) { quota = null; return; }
      const hour = Math.floor(now() / 3600000);
      quota = { perHour: cfg.perHour, reason: cfg.reason || 'jira-quota-global-based', hour, spent: cfg.spent || 0, refused: 0 };
    },
    quotaStats() { return quota ? { ...quota } : null; },
    setSimpleBoardConfiguration(v) { if (!['columns', 'unsupported'].includes(v)) throw new Error(v); settings.simpleBoardConfiguration = v; },
    /** 'forge' (default: Forge's events reference) or 'rest' (Agile REST SprintBean form); offset in minutes for 'forge' dates */
    setEventForm(form, offsetMinutes = settings.eventOffsetMinutes) {
      if (!['forge', 'rest'].includes(form)) throw new Error(`unknown event form ${form}`);
      settings.eventForm = form; settings.eventOffsetMinutes = offsetMinutes;
    },
    setStartOverwritesStartDate(v) { settings.startOverwritesStartDate = !!v; },

    setRateLimit(cfg) {
      if (!cfg) { rateLimit = null; return; }
      const { capacity, refillPerSecond } = cfg;
      if (!(capacity > 0) || !(refillPerSecond >= 0)) throw new Error('setRateLimit: capacity > 0, refillPerSecond >= 0');
      rateLimit = { capacity, refillPerSecond, tokens: capacity, last: now(), allowed: 0, limited: 0 };
    },
    rateLimitStats() {
      if (!rateLimit) return { enabled: false, allowed: 0, limited: 0 };
      const t = now();
      const tokens = Math.min(rateLimit.capacity, rateLimit.tokens + ((t - rateLimit.last) / 1000) * rateLimit.refillPerSecond);
      return { enabled: true, capacity: rateLimit.capacity, refillPerSecond: rateLimit.refillPerSecond, tokens, allowed: rateLimit.allowed, limited: rateLimit.limited };
    },

    injectFault({ method, pathMatch, nth = 1, times = 1, kind, retryAfterSeconds = 1, latencyMs = 100, phase = 'before', provider } = {}) {
      if (!FAULT_KINDS.has(String(kind))) throw new Error(`injectFault: kind must be one of ${[...FAULT_KINDS]}`);
      if (phase !== 'before' && phase !== 'after') throw new Error('injectFault: phase before|after');
      if (phase === 'after' && kind === 'latency') throw new Error('injectFault: latency has no after phase');
      const rule = { id: ++ruleSeq, method, pathMatch, nth, times, kind: String(kind), retryAfterSeconds, latencyMs, phase, provider, seen: 0, fired: 0 };
      scripted.push(rule);
      return { id: rule.id, fired: () => rule.fired, remove: () => { const i = scripted.indexOf(rule); if (i >= 0) scripted.splice(i, 1); } };
    },
    setFaultRate(cfg) {
      if (!cfg || !cfg.rate) { faultRate = null; return; }
      const kinds = (cfg.kinds || ['500']).map(String);
      for (const k of kinds) if (!FAULT_KINDS.has(k)) throw new Error(`setFaultRate: unknown kind ${k}`);
      faultRate = {
        rate: cfg.rate, kinds, rand: mulberry32(cfg.seed ?? seed), latencyMs: cfg.latencyMs ?? 50,
        retryAfterSeconds: cfg.retryAfterSeconds ?? 1, pathMatch: cfg.pathMatch, method: cfg.method, provider: cfg.provider,
      };
    },
    clearFaults() { scripted.length = 0; faultRate = null; },

    resetRequests() { requests.length = 0; pointStats = { total: 0, byProvider: {} }; },
    /** Jira points spent since the last resetRequests(): {total, byProvider: {app, user, none}} */
    points() { return JSON.parse(JSON.stringify(pointStats)); },
    countRequests(filter = {}) {
      if (typeof filter === 'function') return requests.filter(filter).length;
      return requests.filter((r) => {
        if (filter.method && filter.method.toUpperCase() !== r.method) return false;
        if (filter.provider && filter.provider !== r.provider) return false;
        if (filter.status !== undefined && filter.status !== r.status) return false;
        if (filter.fault !== undefined && filter.fault !== r.fault) return false;
        if (filter.path instanceof RegExp) return filter.path.test(r.path);
        if (filter.path) return filter.path === r.path;
        return true;
      }).length;
    },

    onSprintEvent(cb) { listeners.add(cb); return () => listeners.delete(cb); },
  };
  return api;
}

module.exports = { createJiraEmulator };
