/** Worker processes from their heartbeats: health, load, totals, memory, uptime. */
import { useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../api/client.ts';
import { formatAgo, formatBytes, formatCount, formatSeconds } from '../../format.ts';
import { WorkerStateBadge } from '../Badge/Badge.tsx';
import { Card } from '../Card/Card.tsx';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';
import styles from './JobManagementDashboard.module.css';

export function WorkersTable({ api, refreshMs }: { api: ApiClient; refreshMs: number }) {
  const status = useQuery({
    queryKey: ['workers', 'status'],
    queryFn: () => api.workersStatus(),
    refetchInterval: refreshMs,
  });
  const counts = status.data?.counts;
  return (
    <Card
      title="Workers"
      actions={
        counts ? (
          <span className="muted" aria-label="Workers by state">
            {counts.alive} alive · {counts.busy} busy · {counts.dead} dead
          </span>
        ) : null
      }
    >
      {status.isError ? (
        <ErrorNotice
          title="Could not load the workers"
          error={status.error}
          onRetry={() => void status.refetch()}
        />
      ) : null}
      {status.isPending ? (
        <p className="muted" aria-busy="true">
          Loading workers…
        </p>
      ) : null}
      {status.data && status.data.workers.length === 0 ? (
        <p className={styles.empty}>
          No worker is running: jobs wait until one starts (<code>phishnet worker</code>, or scale
          up above).
        </p>
      ) : null}
      {status.data && status.data.workers.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="Workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th>State</th>
                <th>Lanes</th>
                <th className="num">Jobs</th>
                <th className="num">Processed</th>
                <th className="num">Failed</th>
                <th className="num">Memory</th>
                <th className="num">Uptime</th>
                <th className="num">Heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {status.data.workers.map((worker) => {
                const late =
                  worker.state !== 'dead' &&
                  worker.last_seen_seconds_ago * 1000 > 2 * worker.heartbeat_interval_ms;
                return (
                  <tr key={worker.id}>
                    <td>
                      <div className="mono" title={worker.id}>
                        {worker.host}:{worker.pid}
                      </div>
                    </td>
                    <td>
                      <WorkerStateBadge state={worker.state} />
                    </td>
                    <td>{worker.lanes.join(', ')}</td>
                    <td className="num" title="active jobs / capacity">
                      {worker.active_jobs}/{worker.capacity}
                    </td>
                    <td className="num">{formatCount(worker.processed)}</td>
                    <td className="num">{formatCount(worker.failed)}</td>
                    <td className="num">{formatBytes(worker.memory_rss_bytes)}</td>
                    <td className="num">{formatSeconds(worker.uptime_seconds)}</td>
                    <td className="num" style={late ? { color: 'var(--warn)' } : undefined}>
                      {formatAgo(worker.last_seen_seconds_ago)}
                      {late ? ' (late)' : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
