/**
 * Queue depth per lane over time (the monitoring lane's minute snapshots, then
 * `/ws/system` every few seconds) and throughput per minute (completed, failed).
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { WORK_LANES, type WorkLane } from '../../../../src/contracts/queues.ts';
import type { History } from '../../../../src/contracts/workers.ts';
import type { ApiClient } from '../../api/client.ts';
import { useSystemStatus } from '../../hooks/useSystemStatus.ts';
import { Card } from '../Card/Card.tsx';
import { ConnectionBadge } from '../ConnectionBadge/ConnectionBadge.tsx';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';
import {
  TimeSeriesChart,
  type ChartData,
  type ChartSeries,
} from '../TimeSeriesChart/TimeSeriesChart.tsx';
import styles from './JobManagementDashboard.module.css';

export const LANE_COLORS: Record<WorkLane, string> = {
  realtime: '#1f4fa8',
  standard: '#17743a',
  heavy: '#b36200',
  background: '#7a4fb0',
};
const LANE_SERIES: ChartSeries[] = WORK_LANES.map((lane) => ({
  label: lane,
  color: LANE_COLORS[lane],
}));
const THROUGHPUT_SERIES: ChartSeries[] = [
  { label: 'completed', color: '#17743a', kind: 'bars' },
  { label: 'failed', color: '#b3261e' },
];
/** An hour of points at the default 2-second broadcast. */
const MAX_LIVE_POINTS = 1_800;
const HISTORY_MINUTES = 60;

interface DepthPoint {
  atSeconds: number;
  depths: Record<WorkLane, number>;
}

export function LiveCharts({ api, wsBase }: { api: ApiClient; wsBase: string }) {
  const history = useQuery({
    queryKey: ['workers', 'history', HISTORY_MINUTES],
    queryFn: () => api.history(HISTORY_MINUTES),
    refetchInterval: 30_000,
  });
  const [live, setLive] = useState<DepthPoint[]>([]);
  const socket = useSystemStatus(wsBase, (status) => {
    const point = { atSeconds: Date.parse(status.timestamp) / 1000, depths: status.queue_depths };
    setLive((points) => [...points.slice(-(MAX_LIVE_POINTS - 1)), point]);
  });

  const depthData = useMemo(() => toDepthData(history.data, live), [history.data, live]);
  const throughputData = useMemo(() => toThroughputData(history.data), [history.data]);
  const latest = live.at(-1) ?? snapshotPoints(history.data).at(-1);

  return (
    <Card
      title="Queues over time"
      actions={<ConnectionBadge live={socket} what="Live queue depths" />}
    >
      {history.isError ? (
        <ErrorNotice
          title="Could not load the history"
          error={history.error}
          onRetry={() => void history.refetch()}
        />
      ) : null}
      <div className={styles.charts}>
        <TimeSeriesChart
          title="Queue depth per lane (waiting + delayed)"
          series={LANE_SERIES}
          data={depthData}
          emptyText={history.isPending ? 'Loading…' : 'No snapshots yet.'}
          caption={
            latest
              ? `Now: ${WORK_LANES.map((lane) => `${lane} ${latest.depths[lane]}`).join(' · ')}`
              : null
          }
        />
        <TimeSeriesChart
          title="Throughput per minute"
          series={THROUGHPUT_SERIES}
          data={throughputData}
          emptyText={history.isPending ? 'Loading…' : 'Nothing finished yet.'}
          caption={throughputCaption(history.data)}
        />
      </div>
    </Card>
  );
}

function snapshotPoints(history: History | undefined): DepthPoint[] {
  return (history?.snapshots ?? []).map((snapshot) => ({
    atSeconds: Date.parse(snapshot.timestamp) / 1000,
    depths: Object.fromEntries(
      WORK_LANES.map((lane) => {
        const depth = snapshot.lanes[lane];
        return [lane, depth.waiting + depth.delayed];
      }),
    ) as Record<WorkLane, number>,
  }));
}

function toDepthData(history: History | undefined, live: DepthPoint[]): ChartData {
  const points = snapshotPoints(history);
  const lastSnapshot = points.at(-1)?.atSeconds ?? -Infinity;
  points.push(...live.filter((point) => point.atSeconds > lastSnapshot));
  return [
    points.map((point) => point.atSeconds),
    ...WORK_LANES.map((lane) => points.map((point) => point.depths[lane])),
  ];
}

function toThroughputData(history: History | undefined): ChartData {
  const points = history?.throughput ?? [];
  return [
    points.map((point) => Date.parse(point.minute) / 1000),
    points.map((point) => point.completed),
    points.map((point) => point.failed),
  ];
}

function throughputCaption(history: History | undefined): string | null {
  if (!history) return null;
  const completed = history.throughput.reduce((sum, point) => sum + point.completed, 0);
  const failed = history.throughput.reduce((sum, point) => sum + point.failed, 0);
  return `Last ${history.minutes} min: ${completed} completed, ${failed} failed.`;
}
