/** Every lane's counts and rate, with pause and resume (for every worker on every host). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Lane } from '../../../../src/contracts/queues.ts';
import type { ApiClient } from '../../api/client.ts';
import { formatCount, formatSeconds } from '../../format.ts';
import { Badge } from '../Badge/Badge.tsx';
import { Card } from '../Card/Card.tsx';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';
import styles from './JobManagementDashboard.module.css';

export function LanesPanel({ api, refreshMs }: { api: ApiClient; refreshMs: number }) {
  const queryClient = useQueryClient();
  const queues = useQuery({
    queryKey: ['workers', 'queues'],
    queryFn: () => api.queues(),
    refetchInterval: refreshMs,
  });
  const toggle = useMutation({
    mutationFn: ({ lane, paused }: { lane: Lane; paused: boolean }) =>
      api.setLanePaused(lane, paused),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['workers', 'queues'] }),
  });
  return (
    <Card title="Lanes">
      {queues.isError ? (
        <ErrorNotice
          title="Could not load the lanes"
          error={queues.error}
          onRetry={() => void queues.refetch()}
        />
      ) : null}
      {toggle.isError ? (
        <ErrorNotice title="Could not pause or resume the lane" error={toggle.error} />
      ) : null}
      {queues.isPending ? (
        <p className="muted" aria-busy="true">
          Loading lanes…
        </p>
      ) : null}
      {queues.data ? (
        <div className="table-scroll">
          <table aria-label="Lanes">
            <thead>
              <tr>
                <th>Lane</th>
                <th className="num">Waiting</th>
                <th className="num">Active</th>
                <th className="num">Delayed</th>
                <th className="num">Failed</th>
                <th className="num" title="Completed per minute over the last five minutes">
                  Per min
                </th>
                <th className="num">Oldest wait</th>
                <th>
                  <span className="visually-hidden">Pause or resume</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {queues.data.lanes.map((lane) => {
                const waiting = lane.counts.waiting + lane.counts.prioritized;
                const busy = toggle.isPending && toggle.variables.lane === lane.lane;
                return (
                  <tr key={lane.lane}>
                    <td>
                      <strong>{lane.lane}</strong>{' '}
                      {lane.paused ? <Badge tone="warn">paused</Badge> : null}
                    </td>
                    <td className="num">{formatCount(waiting)}</td>
                    <td className="num">{formatCount(lane.counts.active)}</td>
                    <td className="num">{formatCount(lane.counts.delayed)}</td>
                    <td className="num">{formatCount(lane.counts.failed)}</td>
                    <td className="num">{lane.processing_rate.per_minute_5m.toFixed(1)}</td>
                    <td className="num">{formatSeconds(lane.oldest_waiting_age_seconds)}</td>
                    <td>
                      <button
                        type="button"
                        className="small"
                        disabled={busy}
                        aria-label={`${lane.paused ? 'Resume' : 'Pause'} ${lane.lane}`}
                        onClick={() => {
                          toggle.mutate({ lane: lane.lane, paused: !lane.paused });
                        }}
                      >
                        {lane.paused ? 'Resume' : 'Pause'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className={styles.empty} style={{ paddingBottom: 0 }}>
        A paused lane lets running jobs finish and starts no new ones, on every host.
      </p>
    </Card>
  );
}
