/**
 * The seed's `JobTracker`: jobs with live progress, status, routing reason,
 * cancel, and a link to the result. Jobs still running follow their own
 * WebSocket (up to `MAX_LIVE_ROWS` of them), so progress moves without polling.
 */
import { useState, type ReactNode } from 'react';
import type { JobStatusValue, JobSummary } from '../../../../src/contracts/api.ts';
import { formatTime, shortId } from '../../format.ts';
import { useOptionalServices } from '../../hooks/services.ts';
import { useJobWebSocket, type JobUpdate } from '../../hooks/useJobWebSocket.ts';
import { StatusBadge, VerdictBadge } from '../Badge/Badge.tsx';
import { Link } from '../Link/Link.tsx';
import { ProgressBar } from '../ProgressBar/ProgressBar.tsx';
import styles from './JobTracker.module.css';

/** More open sockets than this would cost the server more than polling does. */
export const MAX_LIVE_ROWS = 10;

export interface JobTrackerProps {
  jobs: JobSummary[];
  onRefresh?: () => void;
  onCancelJob?: (jobId: string) => Promise<unknown> | undefined;
  onViewResult?: (jobId: string) => void;
  /** Follow running jobs over WebSocket (default true; needs the app's services). */
  live?: boolean;
  isRefreshing?: boolean;
  empty?: ReactNode;
  title?: ReactNode;
}

export function isActive(status: JobStatusValue): boolean {
  return status === 'pending' || status === 'processing';
}

export function JobTracker(props: JobTrackerProps) {
  const services = useOptionalServices();
  const live = (props.live ?? true) && services !== null;
  const followed = new Set(
    live
      ? props.jobs
          .filter((job) => isActive(job.status))
          .slice(0, MAX_LIVE_ROWS)
          .map((job) => job.job_id)
      : [],
  );
  return (
    <div className={styles.tracker}>
      {props.title || props.onRefresh ? (
        <div className={styles.toolbar}>
          <div>{props.title}</div>
          {props.onRefresh ? (
            <button
              type="button"
              className="small"
              onClick={props.onRefresh}
              disabled={props.isRefreshing}
            >
              {props.isRefreshing ? 'Refreshing…' : 'Refresh'}
            </button>
          ) : null}
        </div>
      ) : null}
      {props.jobs.length === 0 ? (
        <div className={styles.empty}>{props.empty ?? 'No jobs yet.'}</div>
      ) : (
        <ul className={styles.list} aria-label="Jobs">
          {props.jobs.map((job) => {
            return (
              <JobRow
                key={job.job_id}
                job={job}
                follow={followed.has(job.job_id)}
                wsBase={services?.wsBase ?? ''}
                {...(props.onCancelJob ? { onCancel: props.onCancelJob } : {})}
                {...(props.onViewResult ? { onView: props.onViewResult } : {})}
                {...(props.onRefresh ? { onFinished: props.onRefresh } : {})}
              />
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The row's job with whatever its WebSocket has said since the list was read. */
function applyUpdate(job: JobSummary, update: JobUpdate | null): JobSummary {
  if (!update) return job;
  switch (update.type) {
    case 'progress_update':
      return {
        ...job,
        status: update.progress > 0 ? 'processing' : job.status,
        progress: Math.max(job.progress, update.progress),
      };
    case 'job_completed':
      return {
        ...job,
        status: 'completed',
        progress: 100,
        verdict: update.result.verdict,
        score: update.result.score,
      };
    case 'job_failed':
      return { ...job, status: 'failed', error: update.error };
    case 'job_cancelled':
      return { ...job, status: 'cancelled' };
    case 'error':
      return job;
  }
}

function JobRow(props: {
  job: JobSummary;
  follow: boolean;
  wsBase: string;
  onCancel?: (jobId: string) => Promise<unknown> | undefined;
  onView?: (jobId: string) => void;
  onFinished?: () => void;
}) {
  const { lastUpdate } = useJobWebSocket({
    url: props.wsBase,
    jobId: props.follow ? props.job.job_id : null,
    onUpdate: (update) => {
      if (update.type !== 'progress_update') props.onFinished?.();
    },
  });
  const [cancelling, setCancelling] = useState(false);
  const job = applyUpdate(props.job, lastUpdate);
  const subject = job.subject || '(no subject)';
  const href = `/jobs/${job.job_id}`;
  const cancel = async (): Promise<void> => {
    setCancelling(true);
    try {
      await props.onCancel?.(job.job_id);
    } finally {
      setCancelling(false);
    }
  };
  return (
    <li className={styles.row} aria-label={`Job ${subject}`}>
      <div className={styles.main}>
        <div className={styles.subject} title={subject}>
          {subject}
        </div>
        <div className={styles.sender} title={job.sender}>
          {job.sender || '(no sender)'}
        </div>
        <div className={styles.meta}>
          <span className="mono" title={job.job_id}>
            {shortId(job.job_id)}
          </span>
          <span>
            {job.analysis_type} · {job.lane}
          </span>
          <span className={styles.reason} title="Why it went to this lane">
            {job.routing.reason}
          </span>
          <span>{formatTime(job.submitted_at)}</span>
        </div>
      </div>
      <div className={styles.progress}>
        <ProgressBar
          value={job.progress}
          label={`Progress of ${subject}`}
          tone={
            job.status === 'completed'
              ? 'done'
              : job.status === 'failed' || job.status === 'cancelled'
                ? 'failed'
                : 'running'
          }
        />
      </div>
      <div className={styles.outcome}>
        <StatusBadge status={job.status} />
        {job.verdict ? <VerdictBadge verdict={job.verdict} /> : null}
        {job.score !== null ? (
          <span className={styles.score}>{Math.round(job.score)}/100</span>
        ) : null}
        {job.status === 'failed' && job.error ? (
          <span className={styles.error} title={job.error.message}>
            {job.error.code}
          </span>
        ) : null}
      </div>
      <div className={styles.actions}>
        {isActive(job.status) && props.onCancel ? (
          <button
            type="button"
            className="small danger"
            onClick={() => void cancel()}
            disabled={cancelling}
            aria-label={`Cancel ${subject}`}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
        <Link
          href={href}
          aria-label={`${job.status === 'completed' ? 'View result of' : 'Open'} ${subject}`}
          onClick={(event) => {
            if (!props.onView) return;
            event.preventDefault();
            props.onView(job.job_id);
          }}
        >
          {job.status === 'completed' ? 'View result' : 'Open'}
        </Link>
      </div>
    </li>
  );
}
