// Planned sprints (and the boards' existing ones, when the preview gives them) on one time axis.
import { wallTime } from '../shared/format.js';

const DAY = 86400000;

export function Timeline({ data, boardName, nowMs }) {
  const lanes = data.boards.map((b) => ({
    board: b.boardId,
    label: boardName(b.boardId),
    existing: (b.existing || []).filter((e) => e.start && e.end),
    planned: b.sprints,
  }));
  const times = lanes.flatMap((l) => [...l.existing, ...l.planned].flatMap((x) => [Date.parse(x.start), Date.parse(x.end)])).filter(Number.isFinite);
  if (!times.length) return null;
  const t0 = Math.min(...times, nowMs) - DAY;
  const t1 = Math.max(...times) + DAY;
  const labelW = 120;
  const width = 860;
  const laneH = 44;
  const top = 22;
  const height = top + lanes.length * laneH + 6;
  const x = (t) => labelW + ((t - t0) / (t1 - t0)) * (width - labelW - 10);

  // month (or week) ticks
  const ticks = [];
  const step = t1 - t0 > 120 * DAY ? 'month' : 'week';
  const d = new Date(t0);
  d.setUTCHours(0, 0, 0, 0);
  if (step === 'month') d.setUTCDate(1); else d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  for (let i = 0; i < 200 && d.getTime() <= t1; i++) {
    if (d.getTime() >= t0) ticks.push({ px: x(d.getTime()), text: d.toISOString().slice(step === 'month' ? 0 : 5, step === 'month' ? 7 : 10) });
    if (step === 'month') d.setUTCMonth(d.getUTCMonth() + 1); else d.setUTCDate(d.getUTCDate() + 7);
  }
  const bottom = top + lanes.length * laneH;
  const nx = x(nowMs);
  const hasExisting = lanes.some((l) => l.existing.length);

  return (
    <div className="bulk-timeline">
      <svg id="timeline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Timeline of existing and planned sprints">
        {ticks.map((t) => (
          <g key={t.text}>
            <line x1={t.px} x2={t.px} y1={top - 4} y2={bottom} className="tl-axis" />
            {t.px < width - 44 ? <text x={t.px + 2} y={12} className="tl-label">{t.text}</text> : null}
          </g>
        ))}
        {lanes.map((l, i) => {
          const y = top + i * laneH;
          return (
            <g key={l.board} data-board-id={l.board}>
              <text x={4} y={y + 24} className="tl-label">{l.label.length > 18 ? `${l.label.slice(0, 17)}…` : l.label}</text>
              {l.existing.map((e, j) => {
                const a = x(Date.parse(e.start));
                const w = Math.max(2, x(Date.parse(e.end)) - a - 1);
                return (
                  <rect key={`e${e.id ?? j}`} x={a} y={y + 4} width={w} height={14} rx={2} className={`tl-existing${e.state === 'active' ? ' active' : ''}`}>
                    <title>{`${e.name} (${e.state}) ${e.start} – ${e.end}`}</title>
                  </rect>
                );
              })}
              {l.planned.map((p) => {
                const a = x(Date.parse(p.start));
                const w = Math.max(2, x(Date.parse(p.end)) - a - 1);
                const warned = (p.warnings || []).length > 0;
                return (
                  <g key={p.key}>
                    <rect x={a} y={y + 22} width={w} height={16} rx={2} className={`tl-planned${warned ? ' warned' : ''}`} data-key={p.key}>
                      <title>{`${p.name}: ${wallTime(p.startLocal)} – ${wallTime(p.endLocal)}${warned ? ` (${p.warnings.map((w2) => w2.code).join(', ')})` : ''}`}</title>
                    </rect>
                    {w > 26 ? <text x={a + 3} y={y + 34} className={`tl-bar-label${warned ? ' on-warning' : ''}`}>{String(p.index + 1)}</text> : null}
                  </g>
                );
              })}
            </g>
          );
        })}
        <line x1={nx} x2={nx} y1={top - 4} y2={bottom} className="tl-now"><title>now</title></line>
      </svg>
      <div className="bulk-legend">
        <span><span className="swatch planned" />planned</span>
        <span><span className="swatch warned" />planned, with a warning</span>
        {hasExisting ? <span><span className="swatch existing" />existing</span> : null}
        {hasExisting ? <span><span className="swatch active" />active</span> : null}
        <span><span className="swatch now" />now</span>
      </div>
    </div>
  );
}
