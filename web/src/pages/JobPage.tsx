/**
 * One job: its progress live over WebSocket while it runs, then its verdict.
 * The status is also polled slowly, so a dropped socket delays nothing for long.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isApiError } from '../api/client.ts';
import { StatusBadge } from '../components/Badge/Badge.tsx';
import { Card } from '../components/Card/Card.tsx';
import { ConnectionBadge } from '../components/ConnectionBadge/ConnectionBadge.tsx';
import { ErrorNotice } from '../components/ErrorNotice/ErrorNotice.tsx';
import { isActive } from '../components/JobTracker/JobTracker.tsx';
import { Link } from '../components/Link/Link.tsx';
import { ProgressBar } from '../components/ProgressBar/ProgressBar.tsx';
import { RawHeaders } from '../components/RawHeaders/RawHeaders.tsx';
import { VerdictView } from '../components/VerdictView/VerdictView.tsx';
import { formatSeconds, formatTime, plural } from '../format.ts';
import { useServices } from '../hooks/services.ts';
import { useJobWebSocket } from '../hooks/useJobWebSocket.ts';
import styles from './Pages.module.css';

export function JobPage({ jobId }: { jobId: string }) {
  const { api, wsBase } = useServices();
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: ['job', jobId],
    queryFn: () => api.jobStatus(jobId),
    refetchInterval: (query) =>
      query.state.data && isActive(query.state.data.status) ? 5_000 : false,
  });
  const active = status.data ? isActive(status.data.status) : false;
  const live = useJobWebSocket({
    url: wsBase,
    jobId: active ? jobId : null,
    onUpdate: (update) => {
      if (update.type !== 'progress_update') {
        void queryClient.invalidateQueries({ queryKey: ['job', jobId] });
      }
    },
  });
  const cancel = useMutation({
    mutationFn: () => api.cancelJob(jobId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['job', jobId] }),
  });

  if (status.isPending) {
    return (
      <p className="muted" aria-busy="true">
        Loading job {jobId}…
      </p>
    );
  }
  if (status.isError) {
    const missing = isApiError(status.error) && status.error.status === 404;
    return (
      <ErrorNotice
        title={missing ? 'No such job' : 'Could not load the job'}
        error={
          missing
            ? new Error(`There is no job ${jobId}; it may have passed its retention period.`)
            : status.error
        }
        onRetry={() => void status.refetch()}
      />
    );
  }

  const job = status.data;
  const update = live.lastUpdate;
  const result = job.result ?? (update?.type === 'job_completed' ? update.result : null);
  const progress = Math.max(
    job.progress,
    update?.type === 'progress_update' ? update.progress : 0,
    result ? 100 : 0,
  );
  const shownStatus = result ? 'completed' : job.status;
  const title = result?.email.subject || (result ? '(no subject)' : 'Analysing the email…');

  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <div>
          <h1>{title}</h1>
          <p className={styles.lead}>
            {result ? `From ${result.email.from || '(no sender)'}` : `Job ${jobId}`}
          </p>
        </div>
        <div className={styles.chips}>
          <StatusBadge status={shownStatus} />
          {active && !result ? <ConnectionBadge live={live} what="Job updates" /> : null}
        </div>
      </div>

      {!result ? (
        <Card
          title="Progress"
          actions={
            active ? (
              <button
                type="button"
                className="small danger"
                disabled={cancel.isPending}
                onClick={() => {
                  cancel.mutate();
                }}
              >
                {cancel.isPending ? 'Cancelling…' : 'Cancel job'}
              </button>
            ) : null
          }
        >
          <ProgressBar
            value={progress}
            label="Analysis progress"
            tone={job.status === 'failed' || job.status === 'cancelled' ? 'failed' : 'running'}
          />
          {cancel.isError ? <ErrorNotice title="Could not cancel" error={cancel.error} /> : null}
          {job.status === 'failed' ? (
            <div style={{ marginTop: '0.8rem' }}>
              <ErrorNotice
                title={`The analysis failed${job.error?.class ? ` (${job.error.class})` : ''} after ${plural(job.attempts, 'attempt')}`}
                error={
                  new Error(
                    `${job.error?.code ?? 'TASK_FAILED'}: ${job.error?.message ?? 'no message'}. It is in the dead-letter queue, from where an administrator can replay it.`,
                  )
                }
              />
            </div>
          ) : null}
          {job.status === 'cancelled' ? <p className="muted">This job was cancelled.</p> : null}
        </Card>
      ) : null}

      {result ? <VerdictView result={result} /> : null}

      <Card title="Job">
        <dl className={styles.meta}>
          <dt>Job id</dt>
          <dd className="mono">{jobId}</dd>
          <dt>Analysis</dt>
          <dd>
            {job.analysis_type} on the {job.lane} lane, priority {job.routing.priority}
          </dd>
          <dt>Routed because</dt>
          <dd>{job.routing.reason}</dd>
          <dt>Submitted</dt>
          <dd>{formatTime(job.submitted_at)}</dd>
          <dt>Finished</dt>
          <dd>{formatTime(job.finished_at)}</dd>
          <dt>Processing time</dt>
          <dd>{formatSeconds(job.processing_time)}</dd>
          <dt>Attempts</dt>
          <dd>
            {job.attempts}
            {job.replays > 0 ? `, replayed ${plural(job.replays, 'time')}` : ''}
          </dd>
        </dl>
        <div style={{ marginTop: '0.9rem' }}>
          <RawHeaders jobId={jobId} />
        </div>
        <p style={{ marginTop: '0.9rem', marginBottom: 0 }}>
          <Link href="/jobs">All jobs</Link>
        </p>
      </Card>
    </div>
  );
}
