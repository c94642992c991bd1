import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { DlqList } from '../../src/contracts/dlq.ts';
import type {
  History,
  ScaleStatus,
  WorkersStatus,
  WorkerStats,
} from '../../src/contracts/workers.ts';
import type { ApiClient, QueuesStatus } from '../../web/src/api/client.ts';
import { JobManagementDashboard } from '../../web/src/components/JobManagementDashboard/JobManagementDashboard.tsx';
import {
  apiError,
  deferred,
  fakeApi,
  renderWithServices,
  signInAs,
  socketRecorder,
} from './helpers.tsx';

const NOW = '2026-08-21T10:00:00.000Z';
const zeroLanes = { realtime: 0, standard: 0, heavy: 0, background: 0 };

const stats: WorkerStats = {
  timestamp: NOW,
  active_workers: 2,
  total_pending: 14,
  jobs_processed_24h: 1234,
  jobs_failed_24h: 3,
  avg_processing_time: 1.5,
  success_rate: 99.8,
  queue_depths: zeroLanes,
};

const workers: WorkersStatus = {
  timestamp: NOW,
  counts: { alive: 1, busy: 1, dead: 0 },
  workers: ['w-1', 'w-2'].map((id, index) => ({
    id,
    host: 'host-a',
    pid: 100 + index,
    lanes: ['realtime', 'standard'],
    concurrency: 4,
    capacity: 9,
    active_jobs: index,
    processed: 50,
    failed: 1,
    memory_rss_bytes: 80 * 1024 * 1024,
    uptime_seconds: 600,
    started_at: NOW,
    last_seen: NOW,
    heartbeat_interval_ms: 5_000,
    state: index === 0 ? ('alive' as const) : ('busy' as const),
    last_seen_seconds_ago: 1,
  })),
};

const laneCounts = {
  waiting: 2,
  prioritized: 1,
  delayed: 0,
  active: 1,
  completed: 10,
  failed: 0,
  'waiting-children': 0,
};
const queues: QueuesStatus = {
  timestamp: NOW,
  lanes: (['realtime', 'standard'] as const).map((lane) => ({
    lane,
    paused: false,
    counts: laneCounts,
    processing_rate: { completed_last_minute: 1, completed_last_5_minutes: 5, per_minute_5m: 1 },
    oldest_waiting_age_seconds: 4,
  })),
};

const history: History = { minutes: 60, snapshots: [], throughput: [] };

const emptyDlq: DlqList = {
  entries: [],
  total: 0,
  page: 1,
  page_size: 20,
  counts_by_class: { temporary: 0, permanent: 0, resource: 0, external: 0, infrastructure: 0 },
};

const oneDead: DlqList = {
  ...emptyDlq,
  total: 1,
  counts_by_class: { ...emptyDlq.counts_by_class, external: 1 },
  entries: [
    {
      task_id: '33333333-3333-4333-8333-333333333333',
      job_id: '33333333-3333-4333-8333-333333333333',
      lane: 'standard',
      task: 'full_email_scan',
      email_ref: 'a'.repeat(64),
      error: {
        code: 'TASK_FAILED',
        message: 'provider answered 503',
        class: 'external',
        stack: null,
      },
      attempts: 3,
      submitted_at: NOW,
      failed_at: NOW,
      replays: 0,
    },
  ],
};

const scaleStatus: ScaleStatus = {
  timestamp: NOW,
  orchestrator: 'local',
  mode: 'auto',
  min_workers: 1,
  max_workers: 8,
  current_workers: 4,
  desired_workers: 5,
  lanes: { heavy: { workers: 2, current_workers: 2, desired_workers: 2 } },
  last_decision: {
    action: 'up',
    target_workers: 3,
    reason: '40 jobs waiting, above 20',
    at: NOW,
  },
  cooldown_remaining_seconds: 12,
  supervisors: 1,
  instances: [],
};

function dashboardApi(overrides: Partial<ApiClient> = {}): ApiClient {
  return fakeApi({
    workerStats: () => Promise.resolve(stats),
    workersStatus: () => Promise.resolve(workers),
    queues: () => Promise.resolve(queues),
    history: () => Promise.resolve(history),
    scaleState: () => Promise.resolve(scaleStatus),
    deadLetters: () => Promise.resolve(emptyDlq),
    ...overrides,
  });
}

function renderDashboard(api: ApiClient, createSocket = socketRecorder().create) {
  signInAs();
  return renderWithServices(<JobManagementDashboard apiBaseUrl="/api/v1" api={api} />, {
    api,
    createSocket,
  });
}

describe('JobManagementDashboard', () => {
  it('shows the statistics as loading, then their values', async () => {
    const call = deferred<WorkerStats>();
    renderDashboard(dashboardApi({ workerStats: () => call.promise }));
    const cards = screen.getByLabelText('Statistics of the last 24 hours');
    expect(within(cards).getAllByText('…')).toHaveLength(6);
    call.resolve(stats);
    expect(await within(cards).findByText('1,234')).toBeInTheDocument();
    expect(within(cards).getByText('14')).toBeInTheDocument();
    expect(within(cards).getByText('1.5 s')).toBeInTheDocument();
    expect(within(cards).getByText('99.8%')).toBeInTheDocument();
  });

  it('says what failed when the statistics cannot be read', async () => {
    renderDashboard(
      dashboardApi({
        workerStats: () =>
          Promise.reject(
            apiError(503, 'QUEUE_UNAVAILABLE', 'the queue store (Redis) is unavailable'),
          ),
      }),
    );
    const alert = await screen.findByRole('alert', { name: '' });
    expect(alert).toHaveTextContent('Could not load the statistics');
    expect(alert).toHaveTextContent('the queue store (Redis) is unavailable');
    expect(alert).toHaveTextContent('QUEUE_UNAVAILABLE · HTTP 503');
  });

  it('lists workers with their health, and says so when there are none', async () => {
    const { unmount } = renderDashboard(dashboardApi());
    const table = await screen.findByRole('table', { name: 'Workers' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByText('host-a:100')).toBeInTheDocument();
    expect(within(table).getByText('busy')).toBeInTheDocument();
    expect(screen.getByLabelText('Workers by state')).toHaveTextContent(
      '1 alive · 1 busy · 0 dead',
    );
    unmount();
    renderDashboard(
      dashboardApi({
        workersStatus: () =>
          Promise.resolve({ timestamp: NOW, counts: { alive: 0, busy: 0, dead: 0 }, workers: [] }),
      }),
    );
    expect(await screen.findByText(/No worker is running/)).toBeInTheDocument();
    expect(await screen.findByText('The dead-letter queue is empty.')).toBeInTheDocument();
  });

  it('moves the queue depths live from /ws/system, and shows a dropped socket', () => {
    const recorder = socketRecorder();
    renderDashboard(dashboardApi(), recorder.create);
    const socket = recorder.to('/ws/system')[0]!;
    expect(socket.protocols).toEqual(['phishnet.bearer', 'test-token']);
    act(() => {
      socket.open();
      socket.receive({
        type: 'system_status',
        data: {
          timestamp: NOW,
          queue_depths: { ...zeroLanes, realtime: 7, heavy: 2 },
          lanes: Object.fromEntries(
            ['realtime', 'standard', 'heavy', 'background'].map((lane) => [
              lane,
              { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 },
            ]),
          ),
        },
      });
    });
    expect(screen.getByText('Now: realtime 7 · standard 0 · heavy 2 · background 0')).toBeVisible();
    expect(screen.getByText('Live')).toBeInTheDocument();
    act(() => {
      socket.drop(1006);
    });
    expect(screen.getByRole('status')).toHaveTextContent('Connection lost — reconnecting');
  });

  it('shows the supervisor state, and applies a fixed worker count', async () => {
    const scale = vi.fn(() =>
      Promise.resolve({
        mode: 'fixed' as const,
        target_workers: 4,
        min_workers: 1,
        max_workers: 8,
        supervisors: 1,
        message: 'scaling to 4 worker processes',
      }),
    );
    renderDashboard(dashboardApi({ scale }));
    const facts = await screen.findByLabelText('Scaling state');
    expect(facts).toHaveTextContent('4 running, 5 wanted');
    expect(facts).toHaveTextContent('heavy only2 per supervisor: 2 running, 2 wanted');
    expect(facts).toHaveTextContent('Supervisors1');
    expect(facts).toHaveTextContent('scale up to 3: 40 jobs waiting, above 20');
    const user = userEvent.setup();
    await user.click(screen.getByLabelText('Fixed count'));
    const count = screen.getByLabelText('Worker processes');
    // The fixed count is per supervisor and general workers only: the last target, not the sum.
    expect(count).toHaveValue(3);
    await user.clear(count);
    await user.type(count, '4');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(scale).toHaveBeenCalledWith({ mode: 'fixed', workers: 4 });
    expect(await screen.findByText('scaling to 4 worker processes')).toBeInTheDocument();
  });

  it('says plainly when the server has no scaling, and when scaling is refused', async () => {
    renderDashboard(
      dashboardApi({
        scaleState: () =>
          Promise.reject(
            apiError(404, 'API_ROUTE_NOT_FOUND', 'no route GET /api/v1/workers/scale'),
          ),
        scale: () =>
          Promise.reject(
            apiError(409, 'API_SCALING_EXTERNAL', 'workers are scaled by KEDA in Kubernetes mode'),
          ),
      }),
    );
    expect(await screen.findByText('Scaling is not available on this server')).toBeInTheDocument();
    expect(screen.getByText('no route GET /api/v1/workers/scale')).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Apply' }));
    expect(await screen.findByText('Scaling was refused')).toBeInTheDocument();
    expect(screen.getByText('workers are scaled by KEDA in Kubernetes mode')).toBeInTheDocument();
  });

  it('leaves scaling to KEDA in Kubernetes mode', async () => {
    renderDashboard(
      dashboardApi({
        scaleState: () =>
          Promise.resolve({ ...scaleStatus, orchestrator: 'kubernetes', supervisors: 0 }),
      }),
    );
    expect(await screen.findByLabelText('Scaling state')).toHaveTextContent(
      'workers are scaled by KEDA',
    );
    expect(screen.getByRole('button', { name: 'Apply' })).toBeDisabled();
  });

  it('pauses a lane', async () => {
    const setLanePaused = vi.fn(() => Promise.resolve({ ...queues.lanes[0]!, paused: true }));
    renderDashboard(dashboardApi({ setLanePaused }));
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Pause realtime' }));
    expect(setLanePaused).toHaveBeenCalledWith('realtime', true);
  });

  it('replays one dead letter, filters by class, and clears only after a confirmation', async () => {
    const deadLetters = vi.fn(() => Promise.resolve(oneDead));
    const replayDeadLetter = vi.fn((taskId: string) =>
      Promise.resolve({
        task_id: taskId,
        job_id: taskId,
        status: 'replayed' as const,
        status_url: `/api/v1/analysis/status/${taskId}`,
      }),
    );
    const clearDeadLetters = vi.fn(() => Promise.resolve({ count: 1 }));
    renderDashboard(dashboardApi({ deadLetters, replayDeadLetter, clearDeadLetters }));
    const user = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Dead letters' });
    expect(table).toHaveTextContent('provider answered 503');
    expect(table).toHaveTextContent('external');

    await user.click(within(table).getByRole('button', { name: /^Replay / }));
    expect(replayDeadLetter).toHaveBeenCalledWith(oneDead.entries[0]!.task_id);
    expect(await screen.findByText(/the job is back on its lane/)).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Class'), 'external');
    await waitFor(() => {
      expect(deadLetters).toHaveBeenLastCalledWith({ class: 'external', page: 1, page_size: 20 });
    });

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    const confirm = screen.getByRole('alertdialog');
    expect(confirm).toHaveTextContent(
      'Delete 1 dead letter with class external? This cannot be undone.',
    );
    await user.click(within(confirm).getByRole('button', { name: 'Keep them' }));
    expect(clearDeadLetters).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await user.click(screen.getByRole('button', { name: 'Delete them' }));
    expect(clearDeadLetters).toHaveBeenCalledWith({ class: 'external' });
    expect(await screen.findByText('Deleted 1 dead letter.')).toBeInTheDocument();
  });

  it('filters dead letters by lane and task together, replays all that match, and "any" lifts a filter', async () => {
    const deadLetters = vi.fn(() => Promise.resolve({ ...oneDead, total: 2 }));
    const replayAllDeadLetters = vi.fn(() => Promise.resolve({ count: 2 }));
    renderDashboard(dashboardApi({ deadLetters, replayAllDeadLetters }));
    const user = userEvent.setup();
    await screen.findByRole('table', { name: 'Dead letters' });

    await user.selectOptions(screen.getByLabelText('Lane'), 'standard');
    await user.selectOptions(screen.getByLabelText('Task'), 'full_email_scan');
    await waitFor(() => {
      expect(deadLetters).toHaveBeenLastCalledWith({
        lane: 'standard',
        task: 'full_email_scan',
        page: 1,
        page_size: 20,
      });
    });

    await user.click(screen.getByRole('button', { name: 'Replay all' }));
    expect(screen.getByRole('alertdialog')).toHaveTextContent(
      'Replay 2 dead letters with lane standard, task full_email_scan?',
    );
    await user.click(screen.getByRole('button', { name: 'Replay them' }));
    expect(replayAllDeadLetters).toHaveBeenCalledWith({
      lane: 'standard',
      task: 'full_email_scan',
    });
    expect(await screen.findByText('Replayed 2 dead letters.')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Lane'), 'any');
    await waitFor(() => {
      expect(deadLetters).toHaveBeenLastCalledWith({
        task: 'full_email_scan',
        page: 1,
        page_size: 20,
      });
    });
  });
});
