// Site overview: every automated board, its next action in the board's zone and in UTC, and
// whether it is late, blocked or waiting for Jira; filtered by status and project, sorted.
import { useEffect, useMemo, useState } from 'react';
import { DynamicTableStateless } from '@atlaskit/dynamic-table';
import { Label } from '@atlaskit/form';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import { call, DENIALS } from '../shared/api.js';
import { ErrorBanner, Loading, Refusal } from '../shared/components.jsx';
import { boardName } from '../shared/context.js';
import { readinessSentence, reasonSentence, STANDINGS } from '../shared/messages.js';

const ORDER = Object.keys(STANDINGS);
const STATUS_OPTIONS = [{ value: '', label: 'Every status' }, ...ORDER.map((k) => ({ value: k, label: STANDINGS[k][0] }))];
const SORT_OPTIONS = [
  { value: 'status', label: 'Worst first' },
  { value: 'next', label: 'Next action first' },
  { value: 'board', label: 'Board name' },
];
const STANDING_LOZENGE = { ok: 'success', attention: 'inprogress' };
const ACTIONS = { start: 'Start', close: 'Close', retry: 'Try again', check: 'Look at Jira' };
const nextAt = (b) => (b.nextAction ? Date.parse(b.nextAction.at) : Infinity);
const utc = (iso) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

export function Overview() {
  const [loaded, setLoaded] = useState(null); // {boards, names, data} | {error}
  const [status, setStatus] = useState('');
  const [project, setProject] = useState('');
  const [sort, setSort] = useState({ by: 'status', order: 'ASC' });

  useEffect(() => {
    let live = true;
    (async () => {
      const boards = [];
      let data;
      // The app's own tables, a page of 500 at a time: no Jira call as the app.
      let after;
      do {
        data = await call('getSiteOverview', after ? { after, limit: 500 } : { limit: 500 });
        boards.push(...data.boards);
        after = data.next;
      } while (after && boards.length < 5000);
      // Names as the viewer sees them in Jira, all at once.
      const names = new Map(await Promise.all(boards.map(async (b) => [b.boardId, await boardName(b.boardId)])));
      if (live) setLoaded({ boards, names, data });
    })().catch((e) => { if (live) setLoaded({ error: e }); });
    return () => { live = false; };
  }, []);

  const projects = useMemo(() => (loaded && loaded.boards ? [...new Set(loaded.boards.map((b) => b.projectKey))].sort() : []), [loaded]);

  if (!loaded) return <Loading label="Loading the automated boards…" />;
  if (loaded.error) {
    return DENIALS.has(loaded.error.code) ? <Refusal error={loaded.error} />
      : <ErrorBanner error={loaded.error} title="The overview could not be loaded." />;
  }
  const { boards, names, data } = loaded;
  const nameOf = (b) => names.get(b.boardId) || `Board ${b.boardId}`;
  const projectOptions = [{ value: '', label: 'Every project' }, ...projects.map((p) => ({ value: p, label: p }))];

  const banners = [];
  if (!data.automationEnabled) {
    banners.push(
      <div key="off" id="overview-site-off" role="status" className="banner-slot">
        <SectionMessage appearance="warning" title="Automation is off for the whole site">
          <p>Automation is off for the whole site: no sprint is started or closed until it is switched on under Settings.</p>
        </SectionMessage>
      </div>,
    );
  }
  if (data.jiraQuota && data.jiraQuota.wallUntil) {
    banners.push(
      <div key="wall" id="overview-wall" role="status" className="banner-slot">
        <SectionMessage appearance="warning" title="Jira's points quota is used up">
          <p>{`Jira's points quota for the app is used up until ${data.jiraQuota.wallUntil.slice(11, 16)} UTC: starts and closes due before then run at the first check after it, and their log entries say how late.`}</p>
        </SectionMessage>
      </div>,
    );
  } else if (data.jiraQuota && data.jiraQuota.shortUntil) {
    banners.push(
      <div key="short" id="overview-short" role="status" className="banner-slot">
        <SectionMessage appearance="information" title="Jira's points are short">
          <p>{`Jira's points are short until ${data.jiraQuota.shortUntil.slice(11, 16)} UTC: only starts, closes and the looks before them run; keep-ahead and bulk jobs wait.`}</p>
        </SectionMessage>
      </div>,
    );
  }

  const filtered = boards.filter((b) => (!status || b.status === status) && (!project || b.projectKey === project));
  const compare = {
    status: (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || nextAt(a) - nextAt(b),
    next: (a, b) => nextAt(a) - nextAt(b),
    board: (a, b) => String(nameOf(a)).localeCompare(String(nameOf(b))),
  };
  // Each sortable column's cell key is the row's rank in that order: the table's own sorting
  // (a click on a column head) and the Sort select agree.
  const rank = {};
  for (const by of Object.keys(compare)) {
    const sorted = [...filtered].sort(compare[by]);
    rank[by] = new Map(sorted.map((b, i) => [b.boardId, i]));
  }

  let results;
  if (!filtered.length) {
    results = (
      <p className="muted" id="overview-empty">
        {boards.length ? 'No board matches these filters.' : 'No board is automated yet: project administrators switch boards on in their project settings.'}
      </p>
    );
  } else {
    const head = {
      cells: [
        { key: 'board', content: 'Board', isSortable: true },
        { key: 'project', content: 'Project' },
        { key: 'zone', content: 'Time zone' },
        { key: 'next', content: 'Next action', isSortable: true },
        { key: 'last', content: 'Last rollover' },
        { key: 'status', content: 'Status', isSortable: true },
      ],
    };
    const rows = filtered.map((b) => ({
      key: String(b.boardId),
      'data-board': b.boardId,
      'data-status': b.status,
      'data-project': b.projectKey,
      cells: [
        { key: rank.board.get(b.boardId), content: <><div className="board-title">{nameOf(b)}</div><div className="muted small">{`id ${b.boardId}`}</div></> },
        { key: b.projectKey, content: b.projectKey },
        { key: b.timeZone, content: b.timeZone },
        { key: rank.next.get(b.boardId), content: <NextAction board={b} /> },
        {
          key: 'last',
          content: b.lastRollover
            ? <>{`${b.lastRollover.phase} sprint ${b.lastRollover.sprintId}`}<div className="muted small">{b.lastRollover.local}</div></>
            : <span className="muted">—</span>,
        },
        { key: rank.status.get(b.boardId), content: <Standing board={b} /> },
      ],
    }));
    results = (
      <div className="admin-table" id="overview-table">
        <DynamicTableStateless
          head={head}
          rows={rows}
          sortKey={sort.by}
          sortOrder={sort.order}
          onSort={({ key, sortOrder }) => setSort({ by: key, order: sortOrder })}
          label="Automated boards"
        />
      </div>
    );
  }

  return (
    <>
      <p className="lede">{`Every automated board on the site (${boards.length}), its next action in the board's time zone and in UTC, and whether it is late, blocked or waiting for Jira.`}</p>
      {banners}
      <div className="filters" id="overview-filters">
        <div className="filter">
          <Label htmlFor="overview-status">Status</Label>
          <Select
            spacing="compact"
            inputId="overview-status"
            name="status"
            options={STATUS_OPTIONS}
            value={STATUS_OPTIONS.find((o) => o.value === status) || STATUS_OPTIONS[0]}
            onChange={(o) => setStatus(o ? o.value : '')}
          />
        </div>
        <div className="filter">
          <Label htmlFor="overview-project">Project</Label>
          <Select
            spacing="compact"
            inputId="overview-project"
            name="project"
            options={projectOptions}
            value={projectOptions.find((o) => o.value === project) || projectOptions[0]}
            onChange={(o) => setProject(o ? o.value : '')}
          />
        </div>
        <div className="filter">
          <Label htmlFor="overview-sort">Sort</Label>
          <Select
            spacing="compact"
            inputId="overview-sort"
            name="sort"
            options={SORT_OPTIONS}
            value={SORT_OPTIONS.find((o) => o.value === sort.by) || SORT_OPTIONS[0]}
            onChange={(o) => setSort({ by: o ? o.value : 'status', order: 'ASC' })}
          />
        </div>
      </div>
      <div id="overview-results">{results}</div>
    </>
  );
}

function NextAction({ board: b }) {
  if (!b.nextAction) {
    return (
      <div className="next-action">
        <span className="muted">{b.dailyLook ? `nothing planned; its daily look at Jira ${utc(b.dailyLook)}` : 'nothing planned'}</span>
      </div>
    );
  }
  return (
    <div className="next-action">
      {ACTIONS[b.nextAction.kind] || b.nextAction.kind}{' '}
      <span>{`${b.nextAction.local} (${b.timeZone})`}</span>
      <div className="muted small">{utc(b.nextAction.at)}</div>
    </div>
  );
}

function Standing({ board: b }) {
  return (
    <div className="standing">
      <Lozenge appearance={STANDING_LOZENGE[b.status] || 'moved'}>{STANDINGS[b.status] ? STANDINGS[b.status][0] : b.status}</Lozenge>
      <div className="small">{b.status === 'late' ? `${b.lateMinutes} min overdue.` : (STANDINGS[b.status] || [])[1]}</div>
      {b.problem ? <div className="small problem">{reasonSentence(b.problem)}</div> : null}
      {(b.readiness || []).map((code) => <div key={code} className="small readiness">{readinessSentence(code)}</div>)}
    </div>
  );
}
