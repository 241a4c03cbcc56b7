// The preview, one card per board: its sprints with their times in the board's (or the plan's) zone
// and the warnings of each, in words.
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import { wallTime } from '../shared/format.js';
import { planWarningSentence } from '../shared/messages.js';

const HEAD = {
  cells: [
    { key: 'n', content: '#', width: 6 },
    { key: 'name', content: 'Name', width: 38 },
    { key: 'start', content: 'Start', width: 18 },
    { key: 'end', content: 'End', width: 18 },
    { key: 'goal', content: 'Goal', width: 20 },
  ],
};

function sprintRow(sp) {
  return {
    key: sp.key,
    'data-key': sp.key,
    cells: [
      { key: 'n', content: <span className="bulk-num">{sp.index + 1}</span> },
      {
        key: 'name',
        content: (
          <>
            <strong>{sp.name}</strong>
            {(sp.warnings || []).map((w, i) => (
              <div key={`${w.code}-${i}`} className="warning-line" data-code={w.code} title={w.message}>{planWarningSentence(w.code)}</div>
            ))}
          </>
        ),
      },
      { key: 'start', content: <span className="bulk-small" title={sp.start}>{wallTime(sp.startLocal)}</span> },
      { key: 'end', content: <span className="bulk-small" title={sp.end}>{wallTime(sp.endLocal)}</span> },
      { key: 'goal', content: <span className="bulk-small">{sp.goal || ''}</span> },
    ],
  };
}

export function PreviewBoards({ data, boardName }) {
  return data.boards.map((b) => {
    const name = boardName(b.boardId);
    return (
      <section key={b.boardId} className="bulk-card preview-board" data-board-id={b.boardId} aria-label={`Preview for ${name}`}>
        <h3>
          {`${name}: ${b.sprints.length} sprint${b.sprints.length === 1 ? '' : 's'}`}
          {b.timeZone ? <span className="bulk-muted bulk-small preview-zone">{` · times in ${b.timeZone}`}</span> : null}
        </h3>
        {(b.warnings || []).map((w, i) => (
          <div key={`${w.code}-${i}`} className="board-warning" data-code={w.code}>
            <SectionMessage appearance="warning">
              <p>{planWarningSentence(w.code)} <span className="bulk-small">{w.message}</span></p>
            </SectionMessage>
          </div>
        ))}
        <div className="preview-table">
          <DynamicTable
            head={HEAD}
            rows={b.sprints.map(sprintRow)}
            label={`Planned sprints of ${name}`}
            emptyView={<p className="bulk-muted">No sprint in this plan.</p>}
          />
        </div>
      </section>
    );
  });
}
