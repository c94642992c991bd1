/** Bulk submissions, newest first, with their progress and verdicts. */
import { useInfiniteQuery } from '@tanstack/react-query';
import type { BatchSummary } from '../../../src/contracts/api.ts';
import { VERDICTS } from '../../../src/contracts/analysis-result.ts';
import { Badge, VERDICT_TONE } from '../components/Badge/Badge.tsx';
import { ErrorNotice } from '../components/ErrorNotice/ErrorNotice.tsx';
import { Link } from '../components/Link/Link.tsx';
import { ProgressBar } from '../components/ProgressBar/ProgressBar.tsx';
import { formatTime, plural, shortId } from '../format.ts';
import { useServices } from '../hooks/services.ts';
import styles from './Pages.module.css';

export function BatchesPage() {
  const { api } = useServices();
  const batches = useInfiniteQuery({
    queryKey: ['batches'],
    queryFn: ({ pageParam }) =>
      api.listBatches(pageParam ? { limit: 25, cursor: pageParam } : { limit: 25 }),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: (q) =>
      q.state.data?.pages.some((page) => page.batches.some((batch) => batch.counts.pending > 0))
        ? 3_000
        : false,
  });
  const all = batches.data?.pages.flatMap((page) => page.batches) ?? [];
  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <div>
          <h1>Batches</h1>
          <p className={styles.lead}>
            Bulk submissions: drop several .eml files on the <Link href="/submit">submit page</Link>
            , or send them to <code>POST /api/v1/analysis/submit-bulk</code>.
          </p>
        </div>
      </div>
      {batches.isError ? (
        <ErrorNotice
          title="Could not load the batches"
          error={batches.error}
          onRetry={() => void batches.refetch()}
        />
      ) : null}
      {batches.isPending ? (
        <p className="muted" aria-busy="true">
          Loading batches…
        </p>
      ) : null}
      {batches.data && all.length === 0 ? <p className="muted">No batches yet.</p> : null}
      {all.length > 0 ? (
        <ul className={styles.list} aria-label="Batches">
          {all.map((batch) => (
            <BatchRow key={batch.batch_id} batch={batch} />
          ))}
        </ul>
      ) : null}
      {batches.hasNextPage ? (
        <div className={styles.more}>
          <button
            type="button"
            disabled={batches.isFetchingNextPage}
            onClick={() => void batches.fetchNextPage()}
          >
            {batches.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </div>
  );
}

function BatchRow({ batch }: { batch: BatchSummary }) {
  return (
    <li className={styles.batchRow}>
      <div>
        <strong>
          {plural(batch.total_jobs, 'email')}, {batch.analysis_type}
        </strong>
        <div className="muted">
          <span className="mono">{shortId(batch.batch_id)}</span> · {formatTime(batch.created_at)}
        </div>
      </div>
      <ProgressBar
        value={batch.progress}
        label={`Progress of batch ${shortId(batch.batch_id)}`}
        tone={batch.counts.pending === 0 ? 'done' : 'running'}
      />
      <div className={styles.chips}>
        <Badge tone="neutral">{batch.counts.pending} pending</Badge>
        {batch.counts.failed > 0 ? <Badge tone="bad">{batch.counts.failed} failed</Badge> : null}
        {VERDICTS.filter((verdict) => batch.verdicts[verdict] > 0).map((verdict) => (
          <Badge key={verdict} tone={VERDICT_TONE[verdict]}>
            {batch.verdicts[verdict]} {verdict}
          </Badge>
        ))}
      </div>
      <Link href={`/batches/${batch.batch_id}`}>Open</Link>
    </li>
  );
}
