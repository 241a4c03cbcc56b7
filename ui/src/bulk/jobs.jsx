// A running job's progress card and the history of jobs (with undo). Both show the same job object:
// the parent keeps the latest answer for the followed job and the table reads it from there.
import { useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import ProgressBar from '@atlaskit/progress-bar';
import SectionMessage from '@atlaskit/section-message';
import Modal, { ModalBody, ModalFooter, ModalHeader, ModalTitle, ModalTransition } from '@atlaskit/modal-dialog';
import { call } from '../shared/api.js';
import { ErrorBanner, Time } from '../shared/components.jsx';
import { JOB_STATES, undoSkipSentence } from '../shared/messages.js';
import { FINAL } from './plan.js';

const LOZENGES = { planned: 'new', running: 'inprogress', done: 'success', failed: 'removed', cancelling: 'moved', cancelled: 'moved', undone: 'default' };
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function JobState({ state }) {
  return <Lozenge appearance={LOZENGES[state] || 'default'}>{JOB_STATES[state] || state}</Lozenge>;
}

/** The followed job: a progress bar (sprints done of planned), the counts, Cancel while it runs. */
export function JobCard({ projectKey, job, pollError, onUpdate }) {
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState(null);
  const doneCount = (job.created || 0) + (job.failed || 0);
  const fraction = job.planned ? doneCount / job.planned : 1;
  const final = FINAL.has(job.state);
  const failed = (job.sprints || []).filter((x) => x.state === 'failed');

  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    try {
      onUpdate(await call('cancelBulkJob', { projectKey, jobId: job.jobId }));
    } catch (e) {
      setCancelError(e);
    }
    setCancelling(false);
  };

  return (
    <div className="bulk-card" id="job-card" data-job-id={job.jobId}>
      <div className="bulk-row">
        <strong>Creating sprints</strong>
        <code className="bulk-code">{job.jobId}</code>
      </div>
      {/* The count of sprints done is the value; Atlaskit's bar (0..1) draws it. */}
      <div
        id="job-progress"
        role="progressbar"
        aria-label="Sprints created"
        aria-valuemin={0}
        aria-valuemax={job.planned}
        aria-valuenow={doneCount}
        aria-valuetext={`${job.created || 0} of ${job.planned} created`}
        data-state={job.state}
        className="bulk-progress"
      >
        <div aria-hidden="true">
          <ProgressBar value={fraction} appearance={job.state === 'done' ? 'success' : 'default'} ariaLabel="Sprints created" />
        </div>
      </div>
      <div className="bulk-row bulk-progress-text" id="job-progress-text">
        <JobState state={job.state} />
        <span>{`${job.created || 0} of ${job.planned} created${job.failed ? `, ${job.failed} failed` : ''}`}</span>
      </div>
      {final ? null : (
        <div>
          <Button id="job-cancel" appearance="subtle" isDisabled={cancelling || job.state === 'cancelling'} onClick={cancel}>{job.state === 'cancelling' ? 'Cancelling…' : 'Cancel'}</Button>
        </div>
      )}
      {job.failed ? (
        <SectionMessage appearance="error" title="Not created">
          <p>{failed.map((x) => `${x.name || x.key} (${x.errorCode || 'error'})`).join(', ')}</p>
        </SectionMessage>
      ) : null}
      {cancelError ? <ErrorBanner error={cancelError} title="Not cancelled." /> : null}
      {pollError ? <ErrorBanner error={pollError} title="The progress could not be read; retrying." /> : null}
    </div>
  );
}

const HEAD = {
  cells: [
    { key: 'when', content: 'When', isSortable: true },
    { key: 'job', content: 'Job' },
    { key: 'state', content: 'State' },
    { key: 'planned', content: 'Planned', isSortable: true },
    { key: 'created', content: 'Created', isSortable: true },
    { key: 'failed', content: 'Failed', isSortable: true },
    { key: 'actions', content: <span className="bulk-sr-only">Actions</span> },
  ],
};

/** The job history: newest first, Undo (after a confirmation) while the created sprints can go. */
export function JobsTable({ projectKey, jobs, error, live, result, onUndone }) {
  const [confirm, setConfirm] = useState(null);
  const [undoing, setUndoing] = useState(false);

  if (error) return <ErrorBanner error={error} title="The job history could not be loaded." />;
  if (!jobs) return null;
  if (!jobs.length) return <p className="bulk-muted" id="jobs-empty">No bulk jobs yet.</p>;

  const undo = async () => {
    const j = confirm;
    setUndoing(true);
    let outcome;
    try {
      const r = await call('undoBulkJob', { projectKey, jobId: j.jobId });
      outcome = { ok: r };
    } catch (err) {
      outcome = { error: err };
    }
    setUndoing(false);
    setConfirm(null);
    onUndone(j, outcome);
  };

  const rows = jobs.map((stored) => {
    // The followed job's latest answer is the one truth for its row.
    const j = live && live.jobId === stored.jobId ? { ...stored, ...live } : stored;
    const canUndo = ['done', 'failed', 'cancelled', 'running'].includes(j.state) && j.created > 0;
    return {
      key: j.jobId,
      'data-job-id': j.jobId,
      'data-state': j.state,
      cells: [
        { key: Date.parse(j.createdAt) || 0, content: <span className="bulk-small"><Time value={j.createdAt} /></span> },
        { key: j.jobId, content: <code className="bulk-code">{j.jobId}</code> },
        { key: j.state, content: <JobState state={j.state} /> },
        { key: j.planned, content: <span className="bulk-num">{j.planned}</span> },
        { key: j.created || 0, content: j.created || 0 },
        { key: j.failed || 0, content: j.failed || 0 },
        {
          key: 'actions',
          content: (
            <Button
              data-action="undo"
              spacing="compact"
              isDisabled={!canUndo}
              aria-label={`Undo ${j.jobId}`}
              onClick={() => setConfirm(j)}
            >
              Undo
            </Button>
          ),
        },
      ],
    };
  });

  return (
    <>
      {result}
      <div id="jobs-table" className="bulk-jobs">
        <DynamicTable head={HEAD} rows={rows} rowsPerPage={10} defaultPage={1} label="Bulk jobs" />
      </div>
      <ModalTransition>
        {confirm ? (
          <Modal onClose={() => (undoing ? null : setConfirm(null))} width="small" label="Undo the job">
            <ModalHeader>
              <ModalTitle appearance="danger">Undo this job?</ModalTitle>
            </ModalHeader>
            <ModalBody>
              <p>{`Delete the ${plural(confirm.created, 'sprint')} this job created?`}</p>
              <p className="bulk-muted bulk-small">{`Job ${confirm.jobId}. A sprint that has been started or closed is kept.`}</p>
            </ModalBody>
            <ModalFooter>
              <Button appearance="subtle" onClick={() => setConfirm(null)} isDisabled={undoing}>Keep</Button>
              <Button appearance="danger" data-action="confirm-undo" isLoading={undoing} onClick={undo} autoFocus>Delete them</Button>
            </ModalFooter>
          </Modal>
        ) : null}
      </ModalTransition>
    </>
  );
}

/** What an undo did, in words: sprints deleted, and why any were kept. */
export function UndoResult({ outcome }) {
  if (outcome.error) return <ErrorBanner error={outcome.error} title="Not undone." />;
  const r = outcome.ok;
  const deleted = Array.isArray(r.deleted) ? r.deleted.length : r.deleted;
  return (
    <div id="undo-banner" role="status">
      <SectionMessage appearance="success" title={`Undone: ${plural(deleted, 'sprint')} deleted.`}>
        {r.skipped && r.skipped.length ? (
          <ul className="bulk-small">
            {r.skipped.map((x) => <li key={x.sprintId}>{`Sprint ${x.sprintId} kept: ${undoSkipSentence(x.reason)}.`}</li>)}
          </ul>
        ) : null}
      </SectionMessage>
    </div>
  );
}
