// Logs: what the app did or skipped, and why, newest first, filtered by board, level, kind and
// dates, a page of 25 at a time (the server's cursor).
import { useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import { DatePicker } from '@atlaskit/datetime-picker';
import { DynamicTableStateless } from '@atlaskit/dynamic-table';
import { Label } from '@atlaskit/form';
import Lozenge from '@atlaskit/lozenge';
import Select from '@atlaskit/select';
import { call, DENIALS, errorField } from '../shared/api.js';
import { ErrorBanner, Loading, Refusal, Time } from '../shared/components.jsx';
import { boardName, sprintName } from '../shared/context.js';
import { viewerZone } from '../shared/format.js';
import { KINDS, LEVELS, reasonSentence } from '../shared/messages.js';
import { AsyncName } from './names.jsx';

const LEVEL_OPTIONS = [{ value: '', label: 'All levels' }, ...Object.entries(LEVELS).map(([value, label]) => ({ value, label }))];
const KIND_OPTIONS = [{ value: '', label: 'All kinds' }, ...Object.entries(KINDS).map(([value, label]) => ({ value, label }))];
const LEVEL_LOZENGE = { info: 'inprogress', warn: 'moved', error: 'removed' };
const NO_FILTERS = { boardId: '', level: '', kind: '', from: '', to: '' };

/** A date picked in the viewer's zone, as the instant its day starts. */
const dayStart = (value, plusDays = 0) => {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
};

export function Logs() {
  const [boards, setBoards] = useState(null); // the picker's options
  const [denied, setDenied] = useState(null);
  const [filters, setFilters] = useState(NO_FILTERS);
  const [page, setPage] = useState(0);
  const [tick, setTick] = useState(0);
  const [result, setResult] = useState(null); // {entries, cursor, page} | {error, invalid}
  const [loading, setLoading] = useState(true);
  // cursors[i] is the cursor that loads page i (page 0: none).
  const cursors = useRef([null]);
  const seq = useRef(0);

  // The board picker lists the automated boards (the app's own tables), named as the viewer sees them.
  useEffect(() => {
    let live = true;
    (async () => {
      const list = [];
      try {
        const o = await call('getSiteOverview', { limit: 500 });
        const names = await Promise.all(o.boards.map((b) => boardName(b.boardId)));
        o.boards.forEach((b, i) => list.push({ id: b.boardId, name: names[i] || `Board ${b.boardId}` }));
      } catch (e) {
        if (DENIALS.has(e.code)) { if (live) setDenied(e); return; }
      }
      list.sort((a, b) => a.name.localeCompare(b.name));
      if (live) setBoards(list);
    })();
    return () => { live = false; };
  }, []);

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    const payload = { limit: 25 };
    if (filters.boardId !== '') payload.boardId = Number(filters.boardId);
    if (filters.level) payload.level = filters.level;
    if (filters.kind) payload.kind = filters.kind;
    if (filters.from) payload.from = dayStart(filters.from);
    if (filters.to) payload.before = dayStart(filters.to, 1); // the whole "to" day
    if (cursors.current[page]) payload.cursor = cursors.current[page];
    call('getLogs', payload).then((data) => {
      if (mine !== seq.current) return;
      cursors.current = cursors.current.slice(0, page + 1);
      if (data.cursor) cursors.current.push(data.cursor);
      setResult({ entries: data.entries, cursor: data.cursor, page });
      setLoading(false);
    }, (e) => {
      if (mine !== seq.current) return;
      if (DENIALS.has(e.code)) setDenied(e);
      const f = errorField(e);
      setResult({ error: e, invalid: f === 'before' ? 'to' : f, page });
      setLoading(false);
    });
  }, [filters, page, tick]);

  if (denied) return <Refusal error={denied} />;

  const refilter = (patch) => {
    cursors.current = [null];
    setPage(0);
    setFilters((f) => ({ ...f, ...patch }));
    setTick((t) => t + 1);
  };
  const invalid = (name) => (result && result.invalid === name ? { isInvalid: true, 'aria-invalid': true } : {});
  const boardOptions = [{ value: '', label: 'All boards' }, ...(boards || []).map((b) => ({ value: String(b.id), label: `${b.name} (${b.id})` }))];
  const pick = (options, value) => options.find((o) => o.value === value) || options[0];

  let results;
  if (!result) results = <Loading />;
  else if (result.error) results = <ErrorBanner error={result.error} title="The logs could not be loaded." />;
  else if (!result.entries.length) {
    results = <p className="muted" id="logs-empty">{result.page === 0 ? 'No log entries match these filters.' : 'No more entries.'}</p>;
  } else results = <LogTable entries={result.entries} loading={loading} />;

  return (
    <>
      <p className="lede">{`What the app did or skipped, and why, newest first, in your time zone (${viewerZone()}). Entries hold ids and counts only; the names are read from Jira as you see it. Older entries are removed after the retention set under Settings.`}</p>
      <div className="filters" id="logs-filters">
        <div className="filter filter-wide">
          <Label htmlFor="filter-board">Board</Label>
          <Select
            spacing="compact"
            inputId="filter-board"
            name="boardId"
            options={boardOptions}
            isLoading={!boards}
            value={pick(boardOptions, filters.boardId)}
            onChange={(o) => refilter({ boardId: o ? o.value : '' })}
            {...invalid('boardId')}
          />
        </div>
        <div className="filter">
          <Label htmlFor="filter-level">Level</Label>
          <Select
            spacing="compact"
            inputId="filter-level"
            name="level"
            options={LEVEL_OPTIONS}
            value={pick(LEVEL_OPTIONS, filters.level)}
            onChange={(o) => refilter({ level: o ? o.value : '' })}
            {...invalid('level')}
          />
        </div>
        <div className="filter">
          <Label htmlFor="filter-kind">Kind</Label>
          <Select
            spacing="compact"
            inputId="filter-kind"
            name="kind"
            options={KIND_OPTIONS}
            value={pick(KIND_OPTIONS, filters.kind)}
            onChange={(o) => refilter({ kind: o ? o.value : '' })}
            {...invalid('kind')}
          />
        </div>
        <div className="filter">
          <Label htmlFor="filter-from">From</Label>
          <DatePicker
            id="filter-from"
            name="from"
            spacing="compact"
            dateFormat="YYYY-MM-DD"
            placeholder="YYYY-MM-DD"
            value={filters.from}
            onChange={(v) => refilter({ from: v || '' })}
            clearControlLabel="Clear From"
            {...invalid('from')}
          />
        </div>
        <div className="filter">
          <Label htmlFor="filter-to">To</Label>
          <DatePicker
            id="filter-to"
            name="to"
            spacing="compact"
            dateFormat="YYYY-MM-DD"
            placeholder="YYYY-MM-DD"
            value={filters.to}
            onChange={(v) => refilter({ to: v || '' })}
            clearControlLabel="Clear To"
            {...invalid('to')}
          />
        </div>
        <div className="filter filter-button">
          <Button id="logs-refresh" onClick={() => refilter({})}>Refresh</Button>
        </div>
      </div>
      <div id="logs-results">{results}</div>
      {result && !result.error ? (
        <div className="pager" id="logs-pager">
          <Button id="logs-newer" isDisabled={loading || result.page === 0} onClick={() => setPage(result.page - 1)}>← Newer</Button>
          <span className="muted small">{`Page ${result.page + 1}`}</span>
          <Button id="logs-older" isDisabled={loading || !result.cursor} onClick={() => setPage(result.page + 1)}>Older →</Button>
        </div>
      ) : null}
    </>
  );
}

/** The bulk job an entry belongs to (its message names it), for one row per job. */
const BULK_GROUPS = { BULK_SPRINT_CREATED: 'created by', BULK_SPRINT_DELETED: 'deleted, undoing' };
const bulkJobOf = (e) => (BULK_GROUPS[e.reason] ? (/\b(bulk-[0-9a-f]{16})\b/.exec(e.message || '') || [])[1] : undefined);

const HEAD = { cells: ['Time', 'Level', 'Kind', 'What happened', 'Board', 'Sprint', 'Details'].map((t) => ({ key: t, content: t })) };

function BoardCell({ id }) {
  if (id == null) return null;
  return <><AsyncName className="board-name" promise={boardName(id)} fallback={`Board ${id}`} /><div className="muted small">{`id ${id}`}</div></>;
}

function SprintCell({ id }) {
  if (id == null) return null;
  return <><AsyncName className="sprint-name" promise={sprintName(id)} fallback={`Sprint ${id}`} /><div className="muted small">{`id ${id}`}</div></>;
}

function row(e, key, extra, more = {}) {
  return {
    key,
    'data-reason': e.reason,
    'data-level': e.level,
    'data-kind': e.kind,
    'data-board': e.boardId ?? '',
    ...more,
    cells: [
      { key: 'time', content: <span className="small nowrap"><Time value={e.time} /></span> },
      { key: 'level', content: <Lozenge appearance={LEVEL_LOZENGE[e.level] || 'default'}>{LEVELS[e.level] || e.level}</Lozenge> },
      { key: 'kind', content: KINDS[e.kind] || e.kind },
      { key: 'reason', content: <><div className="reason">{reasonSentence(e.reason)}</div><code className="code small">{e.reason}</code></> },
      { key: 'board', content: <BoardCell id={e.boardId} /> },
      { key: 'sprint', content: <SprintCell id={e.sprintId} /> },
      {
        key: 'details',
        content: (
          <div className="small details">
            {extra || e.message}
            {e.jira ? <div className="warning-line">{`Jira ${e.jira.status} ${e.jira.code}: ${e.jira.message}`}</div> : null}
          </div>
        ),
      },
    ],
  };
}

function LogTable({ entries, loading }) {
  // Consecutive entries of one bulk job become one row that opens to show each sprint.
  const groups = [];
  for (const e of entries) {
    const job = bulkJobOf(e);
    const last = groups[groups.length - 1];
    if (job && last && last.job === job && last.reason === e.reason) last.entries.push(e);
    else groups.push({ job, reason: e.reason, entries: [e] });
  }
  const rows = [];
  groups.forEach((g, gi) => {
    if (!g.job || g.entries.length === 1) {
      g.entries.forEach((e, i) => rows.push(row(e, `${gi}-${i}-${e.time}`)));
      return;
    }
    const first = g.entries[0];
    const boards = [...new Set(g.entries.map((e) => e.boardId))];
    const details = (
      <details className="bulk-group">
        <summary>{`${g.entries.length} sprints ${BULK_GROUPS[g.reason]} ${g.job} on ${boards.length} board${boards.length === 1 ? '' : 's'}`}</summary>
        <ul className="small">
          {g.entries.map((e, i) => (
            <li key={i}><AsyncName promise={sprintName(e.sprintId)} fallback={`Sprint ${e.sprintId}`} />{`: ${e.message}`}</li>
          ))}
        </ul>
      </details>
    );
    rows.push(row({ ...first, sprintId: undefined, boardId: boards.length === 1 ? first.boardId : undefined }, `${gi}-${g.job}`, details,
      { 'data-group': g.job, 'data-count': String(g.entries.length) }));
  });
  return (
    <div className="admin-table" id="logs-table">
      <DynamicTableStateless head={HEAD} rows={rows} isLoading={loading} label="Log entries, newest first" />
    </div>
  );
}
