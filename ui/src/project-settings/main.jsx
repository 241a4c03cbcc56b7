// Project settings page (jira:projectSettingsPage, project admins): one compact row per board; a
// board's settings open in a modal whose Save is always in view.
import { useEffect, useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import { start } from '../shared/app.jsx';
import { call, DENIALS } from '../shared/api.js';
import { ErrorBanner, Loading, Refusal, Time } from '../shared/components.jsx';
import { displayName, sprintName } from '../shared/context.js';
import { whenInZone } from '../shared/format.js';
import { CARRY_OVER, readinessSentence } from '../shared/messages.js';
import { BoardEditor } from './editor.jsx';
import './page.css';

function ProjectSettings({ context }) {
  const project = context.projectKey;
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    call('listBoards', { projectKey: project }).then(setData, setError);
  }, [project]);

  let body;
  if (error) body = DENIALS.has(error.code) ? <Refusal error={error} /> : <ErrorBanner error={error} title="The boards could not be loaded." />;
  else if (!data) body = <Loading label="Loading boards…" />;
  else if (!data.boards.length) {
    body = (
      <div id="no-boards">
        <SectionMessage appearance="information">
          <p>This project has no boards. Create a scrum board (or switch sprints on in a team-managed project), then come back.</p>
        </SectionMessage>
      </div>
    );
  } else body = <BoardsTable project={project} boards={data.boards} siteOff={data.siteAutomationEnabled === false} />;

  return (
    <>
      <h1>Sprint Automation</h1>
      <p className="lede">
        Start and close the sprints of project {project}&apos;s boards on time (scrum boards, and team-managed boards with
        sprints switched on), and choose where unfinished work goes. Empty fields use the site&apos;s defaults (time zone,
        carry-over) or the sprint&apos;s own start and end time.
      </p>
      <div id="boards">{body}</div>
    </>
  );
}

function BoardsTable({ project, boards, siteOff }) {
  const head = { cells: ['Board', 'Automation', 'Next action', 'Last changed', 'Actions'].map((t) => ({ key: t, content: t })) };
  const cell = (key, Content, b) => ({ key, content: <Content project={project} board={b} siteOff={siteOff} /> });
  const rows = boards.map((b) => (b.hasSprints === false ? noSprintsRow(b) : {
    key: String(b.boardId),
    id: `board-${b.boardId}`,
    'data-board-id': b.boardId,
    cells: [cell('name', BoardName, b), cell('summary', Summary, b), cell('next', NextActionCell, b), cell('changed', ChangedCell, b), cell('edit', EditCell, b)],
  }));
  return (
    <>
      {siteOff ? (
        <div id="site-off" role="status">
          <SectionMessage appearance="warning" title="Automation is off for the whole site.">
            <p>A Jira administrator switched it off: no sprint is started or closed until it is switched on again. Settings saved here take effect then.</p>
          </SectionMessage>
        </div>
      ) : null}
      <div id="boards-table" className="boards-table">
        <DynamicTable caption={`Boards of project ${project}`} head={head} rows={rows} />
      </div>
    </>
  );
}

/** A board without sprints (kanban) is shown and explained, not hidden. */
function noSprintsRow(board) {
  return {
    key: String(board.boardId),
    id: `board-${board.boardId}`,
    'data-board-id': board.boardId,
    'data-no-sprints': 'true',
    cells: [
      { key: 'name', content: <><strong>{board.name}</strong><div className="muted small">board {board.boardId}</div></> },
      {
        key: 'why',
        colSpan: 4,
        content: <span className="muted no-sprints">This is a kanban board: it has no sprints, so there is nothing to start or close. Scrum boards, and team-managed boards with sprints switched on, can be automated.</span>,
      },
    ],
  };
}

// The cells of one row share the board's saved state (a small store per board: a save in the
// editor updates the summary, the next action and "last changed" together).
const stores = new Map();
function useBoard(board) {
  if (!stores.has(board.boardId)) {
    const listeners = new Set();
    const store = {
      value: board,
      status: null,
      set(next) { Object.assign(store, next); listeners.forEach((l) => l()); },
      listen(l) { listeners.add(l); return () => listeners.delete(l); },
    };
    stores.set(board.boardId, store);
  }
  const store = stores.get(board.boardId);
  const [, bump] = useState(0);
  useEffect(() => store.listen(() => bump((n) => n + 1)), [store]);
  return store;
}

function BoardName({ board }) {
  return <><strong>{board.name}</strong><div className="muted small">Board {board.boardId}</div></>;
}

function Summary({ board }) {
  const st = useBoard(board).value.settings;
  if (!st.automate) return <div className="small settings-summary"><Lozenge>Off</Lozenge> <span className="muted">not automated</span></div>;
  const does = [st.autoStart ? 'starts' : null, st.autoClose ? 'closes' : null].filter(Boolean).join(' and ') || 'neither starts nor closes';
  return (
    <div className="small settings-summary">
      <Lozenge appearance="success">On</Lozenge> {does} on time<br />
      <span className="muted">
        {`${st.timeZone || 'site zone'} · ${st.startTime || 'sprint\'s start'}–${st.closeTime || 'sprint\'s end'} · ${CARRY_OVER[st.carryOver] || 'site carry-over'}${st.keepAhead ? ` · keeps ${st.keepAhead} ahead` : ''}`}
      </span>
    </div>
  );
}

const VERBS = { start: 'Starts', close: 'Closes', retry: 'Tries again', check: 'Checks Jira' };

/** The board's next scheduled action, e.g. "Starts Sprint 14, Mon 30 Mar, 09:00 (Europe/Berlin)",
 *  and what a look ahead found that would block or surprise the next close. */
function NextActionCell({ board, siteOff }) {
  const b = useBoard(board).value;
  const n = b.nextAction;
  const [name, setName] = useState(null);
  useEffect(() => { if (n && n.sprintId) sprintName(n.sprintId).then(setName); }, [n && n.sprintId]);
  if (siteOff && b.settings.automate) return <div className="small next-action"><span className="muted">Waits: automation is off for the site</span></div>;
  if (!n || !n.at) return <div className="small next-action"><span className="muted">{b.settings.automate ? '—' : 'Off'}</span></div>;
  const verb = VERBS[n.kind] || VERBS.check;
  const problems = n.readiness && Array.isArray(n.readiness.problems) ? n.readiness.problems : [];
  return (
    <div className="small next-action">
      <span>{name ? `${verb} ${name}` : `${verb}${n.sprintId ? ` sprint ${n.sprintId}` : ''}`}</span><br />
      <span className="muted">{whenInZone(n.at, b.settings.timeZone)}</span>
      {problems.length ? (
        <div className="readiness" role="note" data-readiness={problems.map((p) => p.code).join(' ')}>
          <strong>Before the close: </strong>
          {problems.map((p) => (
            <span className="problem" key={p.code}>{readinessSentence(p.code)}{p.keys && p.keys.length ? ` (${p.keys.join(', ')})` : ''} </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function ChangedCell({ board }) {
  const b = useBoard(board).value;
  const [who, setWho] = useState(null);
  useEffect(() => { if (b.changedBy) displayName(b.changedBy).then((n) => setWho(n.name)); }, [b.changedBy]);
  if (!b.changedBy) return <div className="small changed-by"><span className="muted">{b.configured ? '—' : 'Never configured'}</span></div>;
  return (
    <div className="small changed-by">
      <span className="who" title={b.changedBy}>{who || '…'}</span><br />
      <span className="muted"><Time value={b.changedAt} /></span>
    </div>
  );
}

function EditCell({ project, board }) {
  const store = useBoard(board);
  const [open, setOpen] = useState(false);
  const saved = (r) => { store.set({ value: { ...store.value, ...r, name: store.value.name, boardId: store.value.boardId }, status: 'Saved.' }); setOpen(false); };
  return (
    <div className="row edit-cell">
      <Button name="edit" aria-label={`Edit ${board.name}`} aria-haspopup="dialog"
        onClick={() => { store.set({ status: null }); setOpen(true); }}>Edit</Button>
      <span className={`status${store.status ? ' ok' : ''}`} role="status">{store.status || ''}</span>
      {open ? <BoardEditor project={project} board={store.value} onSaved={saved} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}

start(ProjectSettings);
