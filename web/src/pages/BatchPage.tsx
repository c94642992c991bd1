/** One batch: its counts live over WebSocket, its verdicts, and its jobs. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { VERDICTS } from '../../../src/contracts/analysis-result.ts';
import { isApiError } from '../api/client.ts';
import { Badge, VERDICT_TONE } from '../components/Badge/Badge.tsx';
import { Card } from '../components/Card/Card.tsx';
import { ConnectionBadge } from '../components/ConnectionBadge/ConnectionBadge.tsx';
import { ErrorNotice } from '../components/ErrorNotice/ErrorNotice.tsx';
import { JobTracker } from '../components/JobTracker/JobTracker.tsx';
import { ProgressBar } from '../components/ProgressBar/ProgressBar.tsx';
import { StatCard } from '../components/StatCard/StatCard.tsx';
import { formatCount, formatTime, plural } from '../format.ts';
import { useServices } from '../hooks/services.ts';
import { useBatchWebSocket } from '../hooks/useBatchWebSocket.ts';
import styles from './Pages.module.css';

const JOBS_SHOWN = 100;

export function BatchPage({ batchId }: { batchId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const batch = useQuery({
    queryKey: ['batch', batchId],
    queryFn: () => api.batchStatus(batchId, 1, 1),
    // The socket carries counts; the verdict breakdown comes with a read.
    refetchInterval: (query) =>
      query.state.data && query.state.data.counts.pending > 0 ? 3_000 : false,
  });
  const live = useBatchWebSocket(batch.data ? batchId : null, (update) => {
    if (update.type === 'batch_completed') {
      void queryClient.invalidateQueries({ queryKey: ['batch', batchId] });
      void queryClient.invalidateQueries({ queryKey: ['batch-jobs', batchId] });
    }
  });
  const counts = live.lastUpdate?.counts ?? batch.data?.counts;
  const pending = counts ? counts.pending > 0 : false;
  const jobs = useQuery({
    queryKey: ['batch-jobs', batchId],
    queryFn: () => api.searchJobs({ batch_id: batchId, limit: JOBS_SHOWN }),
    enabled: batch.isSuccess,
    refetchInterval: pending ? 3_000 : false,
  });

  if (batch.isPending) {
    return (
      <p className="muted" aria-busy="true">
        Loading batch…
      </p>
    );
  }
  if (batch.isError) {
    const missing = isApiError(batch.error) && batch.error.status === 404;
    return (
      <ErrorNotice
        title={missing ? 'No such batch' : 'Could not load the batch'}
        error={
          missing
            ? new Error(`There is no batch ${batchId}; it may have passed its retention period.`)
            : batch.error
        }
        onRetry={() => void batch.refetch()}
      />
    );
  }
  const data = batch.data;
  const progress = live.lastUpdate?.progress ?? data.progress;
  const shownCounts = live.lastUpdate?.counts ?? data.counts;
  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <div>
          <h1>Batch of {plural(data.total_jobs, 'email')}</h1>
          <p className={styles.lead}>
            {data.analysis_type} analysis · submitted {formatTime(data.created_at)} ·{' '}
            <span className="mono">{batchId}</span>
          </p>
        </div>
        {live.state !== 'idle' ? <ConnectionBadge live={live} what="Batch updates" /> : null}
      </div>
      <Card title="Progress">
        <ProgressBar
          value={progress}
          label="Batch progress"
          tone={shownCounts.pending === 0 ? 'done' : 'running'}
        />
        <dl className={styles.stats} aria-label="Batch counts" style={{ marginTop: '0.9rem' }}>
          <StatCard label="Total" value={formatCount(data.total_jobs)} />
          <StatCard label="Pending" value={formatCount(shownCounts.pending)} />
          <StatCard label="Completed" value={formatCount(shownCounts.completed)} tone="ok" />
          <StatCard
            label="Failed"
            value={formatCount(shownCounts.failed)}
            {...(shownCounts.failed > 0 ? { tone: 'bad' as const } : {})}
          />
        </dl>
        <div className={styles.chips} style={{ marginTop: '0.8rem' }} aria-label="Verdicts">
          {VERDICTS.map((verdict) => (
            <Badge key={verdict} tone={VERDICT_TONE[verdict]}>
              {data.verdicts[verdict]} {verdict}
            </Badge>
          ))}
        </div>
      </Card>
      <Card title="Jobs">
        {jobs.isError ? (
          <ErrorNotice
            title="Could not load the batch's jobs"
            error={jobs.error}
            onRetry={() => void jobs.refetch()}
          />
        ) : null}
        {jobs.data ? (
          <JobTracker
            jobs={jobs.data.jobs}
            live={false}
            onRefresh={() => void jobs.refetch()}
            isRefreshing={jobs.isFetching}
            empty="No jobs found for this batch."
          />
        ) : (
          <p className="muted" aria-busy="true">
            Loading jobs…
          </p>
        )}
        {jobs.data && data.total_jobs > jobs.data.jobs.length && jobs.data.next_cursor ? (
          <p className="muted">
            Showing the first {jobs.data.jobs.length}; search the jobs page for more.
          </p>
        ) : null}
      </Card>
    </div>
  );
}
