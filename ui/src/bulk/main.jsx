// Project page "Bulk Sprint Creation" (jira:projectPage, project admins): plan, preview, create, undo.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { start } from '../shared/app.jsx';
import { call, DENIALS } from '../shared/api.js';
import { ErrorBanner, Loading, Refusal } from '../shared/components.jsx';
import { WEEKDAYS } from '../shared/messages.js';
import { FINAL, POLL_MS, defaultFirstStart, errorControl, initialForm, isBlocked, readPlan } from './plan.js';
import { PlanForm } from './plan-form.jsx';
import { PreviewBoards } from './preview.jsx';
import { Timeline } from './timeline.jsx';
import { JobCard, JobsTable, UndoResult } from './jobs.jsx';
import './page.css';

const TITLE = 'Bulk Sprint Creation';

function BulkPage({ context }) {
  const project = context.projectKey;
  const [state, setState] = useState({ phase: 'loading' });

  useEffect(() => {
    let live = true;
    (async () => {
      let list;
      try {
        list = await call('listBoards', { projectKey: project });
      } catch (e) {
        if (live) setState(DENIALS.has(e.code) ? { phase: 'refused', error: e } : { phase: 'error', error: e });
        return;
      }
      let nowMs = Date.now();
      try {
        const t = Date.parse((await call('ping')).now);
        if (Number.isFinite(t)) nowMs = t;
      } catch (_e) { /* the browser's clock then */ }
      if (live) setState({ phase: 'ready', boards: list.boards, nowMs });
    })().catch((e) => { if (live) setState({ phase: 'error', error: e }); });
    return () => { live = false; };
  }, [project]);

  const refuse = useCallback((error) => setState({ phase: 'refused', error }), []);

  let body;
  if (state.phase === 'loading') body = <Loading />;
  else if (state.phase === 'refused') body = <Refusal error={state.error} />;
  else if (state.phase === 'error') body = <ErrorBanner error={state.error} title="The boards could not be loaded." />;
  else if (!state.boards.length) {
    body = (
      <div id="no-boards">
        <SectionMessage appearance="information" title="No scrum boards">
          <p>{`Project ${project} has no scrum boards. Create a scrum board first.`}</p>
        </SectionMessage>
      </div>
    );
  } else body = <Planner project={project} boards={state.boards} nowMs={state.nowMs} onDenied={refuse} />;

  return (
    <div className="bulk-page">
      <h1>{TITLE}</h1>
      {body}
    </div>
  );
}

function Planner({ project, boards, nowMs, onDenied }) {
  const [form, setForm] = useState(() => initialForm(boards, nowMs));
  const set = useCallback((patch) => setForm((f) => ({ ...f, ...patch })), []);
  // The first start follows the boards' last sprint until the admin picks one.
  const firstStartTouched = useRef(false);
  const pickFirstStart = useCallback((v) => { firstStartTouched.current = true; set({ firstStart: v }); }, [set]);

  const payload = useMemo(() => readPlan(project, form, WEEKDAYS), [project, form]);
  const payloadKey = JSON.stringify(payload);

  // The preview: the last answer (kept on screen while the next one is read), or the plan's error.
  const [preview, setPreview] = useState({ busy: true, data: null, payload: null, error: null });
  // The plan just created: Create stays off until the plan changes (no overlapping duplicates).
  const [created, setCreated] = useState(null); // {key, jobId}
  const [createState, setCreateState] = useState(null); // null | {starting} | {error}
  const [refresh, setRefresh] = useState(0);
  const seq = useRef(0);
  const now = useRef(true); // the next preview runs at once (first one, refreshes, the moved first start)
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => { mounted.current = false; };
  }, []);

  const runPreview = useCallback(async (sent) => {
    const mine = ++seq.current;
    if (!sent.boardIds.length) {
      setPreview({ busy: false, data: null, payload: sent, error: null, noBoards: true });
      return;
    }
    setPreview((p) => ({ ...p, busy: true }));
    let data;
    try {
      data = await call('previewBulkPlan', sent);
    } catch (e) {
      if (mine !== seq.current || !mounted.current) return;
      if (DENIALS.has(e.code)) { onDenied(e); return; }
      setPreview({ busy: false, data: null, payload: sent, error: e });
      return;
    }
    if (mine !== seq.current || !mounted.current) return;
    if (!firstStartTouched.current) {
      const wanted = defaultFirstStart(data, nowMs);
      if (sent.plan.firstStart !== wanted) {
        now.current = true;
        setForm((f) => ({ ...f, firstStart: wanted }));
        return;
      }
    }
    setPreview({ busy: false, data, payload: sent, error: null });
  }, [nowMs, onDenied]);

  useEffect(() => {
    const delay = now.current ? 0 : 350;
    now.current = false;
    const t = setTimeout(() => runPreview(JSON.parse(payloadKey)), delay);
    return () => clearTimeout(t);
  }, [payloadKey, refresh, runPreview]);

  // ---------------------------------------------------------------- jobs
  const [jobs, setJobs] = useState({ list: null, error: null });
  const [undoOutcome, setUndoOutcome] = useState(null);
  const loadJobs = useCallback(async () => {
    try {
      const data = await call('listBulkJobs', { projectKey: project });
      if (mounted.current) setJobs({ list: data.jobs, error: null });
    } catch (e) {
      if (mounted.current) setJobs({ list: null, error: e });
    }
  }, [project]);
  useEffect(() => { loadJobs(); }, [loadJobs]);

  // The followed job: the card and its row in the table both show this answer.
  const [liveJob, setLiveJob] = useState(null);
  const [pollError, setPollError] = useState(null);
  const following = useRef(null);
  const latest = useRef(null); // the newest answer about the followed job (a poll or Cancel)

  const follow = useCallback(async (job) => {
    const token = {};
    following.current = token;
    let current = job;
    let failures = 0;
    const alive = () => mounted.current && following.current === token;
    while (!FINAL.has(current.state)) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (!alive()) return;
      // a Cancel may have answered with a final state meanwhile
      if (latest.current && latest.current.jobId === job.jobId && FINAL.has(latest.current.state)) break;
      try {
        current = await call('getBulkJob', { projectKey: project, jobId: job.jobId });
        if (!alive()) return;
        latest.current = current;
        setLiveJob(current);
        setPollError(null);
        failures = 0;
      } catch (e) {
        if (!alive()) return;
        setPollError(e);
        if (++failures >= 5) return;
      }
    }
    if (!alive()) return;
    // done, failed or cancelled: the preview shows the new sprints, the history the final counts
    setRefresh((n) => n + 1);
    loadJobs();
  }, [project, loadJobs]);

  const updateLive = useCallback((j) => { latest.current = j; setLiveJob(j); }, []);

  const create = async () => {
    const sent = preview.payload;
    setCreateState({ starting: true });
    setUndoOutcome(null);
    let job;
    try {
      job = await call('createBulkSprints', sent);
    } catch (e) {
      setCreateState({ error: e, key: JSON.stringify(sent) });
      return;
    }
    setCreateState(null);
    setCreated({ key: JSON.stringify(sent), jobId: job.jobId });
    firstStartTouched.current = true; // the plan stays as created (not moved after the new sprints)
    latest.current = job;
    setLiveJob(job);
    setPollError(null);
    loadJobs();
    follow(job);
  };

  const onUndone = (job, outcome) => {
    setUndoOutcome(outcome);
    loadJobs();
    // The deleted sprints leave the preview and the timeline, and the progress card goes.
    following.current = null;
    setLiveJob(null);
    setCreateState(null);
    if (outcome.ok && created && created.jobId === job.jobId) setCreated(null);
    now.current = true;
    setRefresh((n) => n + 1);
  };

  // ---------------------------------------------------------------- what the page shows
  const boardName = useCallback((id) => {
    const b = boards.find((x) => x.boardId === id);
    return b ? b.name : `Board ${id}`;
  }, [boards]);

  const data = preview.error || preview.noBoards ? null : preview.data;
  const current = data && preview.payload ? JSON.stringify(preview.payload) === payloadKey : false;
  const blocked = data ? isBlocked(data) : false;
  const again = Boolean(data && created && created.key === JSON.stringify(preview.payload));
  const creating = again && liveJob && !FINAL.has(liveJob.state);
  const canCreate = Boolean(data && current && !preview.busy && !blocked && !again && !createState?.starting
    && data.boards.some((b) => b.sprints.length));
  const hint = !data ? '' : blocked ? 'Jira would refuse some of these names: fix them before creating.'
    : creating ? 'These sprints are being created: change the plan to create more.'
      : again ? 'These sprints were just created: change the plan to create more.' : '';

  // The field the plan's (or the create's) error names.
  const fieldErr = preview.error || (createState?.error && createState.key === payloadKey ? createState.error : null);
  const control = fieldErr ? errorControl(fieldErr) : null;
  const invalid = control ? { control, error: fieldErr } : null;
  const offenders = createState?.error?.details && Array.isArray(createState.error.details.offenders) ? createState.error.details.offenders : [];

  let previewBody;
  if (preview.noBoards) {
    previewBody = <SectionMessage appearance="information"><p>Choose at least one board.</p></SectionMessage>;
  } else if (preview.error) {
    previewBody = <p className="bulk-muted">Fix the plan to see the preview.</p>;
  } else if (data) {
    previewBody = <PreviewBoards data={data} boardName={boardName} />;
  } else {
    previewBody = <p className="bulk-muted">Reading the preview…</p>;
  }

  return (
    <>
      <p className="bulk-lede">{`Plan a run of sprints for project ${project}'s boards, check the preview, then create them in one go. A job can be undone while its sprints are still in the future.`}</p>
      <div className="bulk-split">
        <section aria-labelledby="plan-heading">
          <h2 id="plan-heading">Plan</h2>
          <PlanForm boards={boards} form={form} set={set} onFirstStart={pickFirstStart} invalid={invalid}>
            <div id="plan-errors">
              {preview.error ? <ErrorBanner error={preview.error} title="The plan has a problem." /> : null}
            </div>
            <div className="bulk-row bulk-create">
              <Button id="create" type="button" appearance="primary" isDisabled={!canCreate} onClick={create}>Create sprints</Button>
              <div className="bulk-small bulk-muted" id="create-hint" role="status">{hint}</div>
            </div>
          </PlanForm>
          <div id="create-box">
            {createState?.starting ? <p className="bulk-muted">Starting…</p> : null}
            {createState?.error ? (
              <>
                <ErrorBanner error={createState.error} title="Nothing was created." />
                {offenders.length ? (
                  <ul className="bulk-small">
                    {offenders.slice(0, 10).map((o, i) => <li key={i}>{`${o.name} (${o.length ?? String(o.name || o.to || '').length} characters)`}</li>)}
                  </ul>
                ) : null}
              </>
            ) : null}
            {liveJob ? <JobCard projectKey={project} job={liveJob} pollError={pollError} onUpdate={updateLive} /> : null}
          </div>
        </section>
        <section aria-labelledby="preview-heading">
          <h2 id="preview-heading">Preview</h2>
          <div id="timeline-box">{data ? <Timeline data={data} boardName={boardName} nowMs={nowMs} /> : null}</div>
          <div id="preview" aria-busy={preview.busy ? 'true' : undefined}>{previewBody}</div>
        </section>
      </div>
      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Jobs</h2>
        <div id="jobs">
          <JobsTable
            projectKey={project}
            jobs={jobs.list}
            error={jobs.error}
            live={liveJob}
            result={undoOutcome ? <div id="undo-result"><UndoResult outcome={undoOutcome} /></div> : null}
            onUndone={onUndone}
          />
        </div>
      </section>
    </>
  );
}

start(BulkPage);
