import { useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../api/client.ts';
import { formatCount, formatPercent, formatSeconds } from '../../format.ts';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';
import { StatCard } from '../StatCard/StatCard.tsx';
import styles from './JobManagementDashboard.module.css';

export function StatCards({ api, refreshMs }: { api: ApiClient; refreshMs: number }) {
  const stats = useQuery({
    queryKey: ['workers', 'stats'],
    queryFn: () => api.workerStats(),
    refetchInterval: refreshMs,
  });
  if (stats.isError) {
    return (
      <ErrorNotice
        title="Could not load the statistics"
        error={stats.error}
        onRetry={() => void stats.refetch()}
      />
    );
  }
  const data = stats.data;
  const loading = data === undefined;
  const rate = data?.success_rate ?? null;
  return (
    <dl className={styles.stats} aria-label="Statistics of the last 24 hours">
      <StatCard
        label="Active workers"
        value={formatCount(data?.active_workers ?? 0)}
        loading={loading}
        {...(data?.active_workers === 0
          ? { tone: 'bad' as const, hint: 'nothing is consuming' }
          : {})}
      />
      <StatCard
        label="Pending"
        value={formatCount(data?.total_pending ?? 0)}
        loading={loading}
        hint="waiting, prioritized, delayed"
      />
      <StatCard
        label="Processed (24 h)"
        value={formatCount(data?.jobs_processed_24h ?? 0)}
        loading={loading}
      />
      <StatCard
        label="Failed (24 h)"
        value={formatCount(data?.jobs_failed_24h ?? 0)}
        loading={loading}
        {...(data && data.jobs_failed_24h > 0 ? { tone: 'warn' as const } : {})}
      />
      <StatCard
        label="Avg processing"
        value={formatSeconds(data?.avg_processing_time)}
        loading={loading}
      />
      <StatCard
        label="Success rate"
        value={formatPercent(rate)}
        loading={loading}
        {...(rate === null
          ? {}
          : {
              tone:
                rate >= 99 ? ('ok' as const) : rate >= 90 ? ('warn' as const) : ('bad' as const),
            })}
      />
    </dl>
  );
}
