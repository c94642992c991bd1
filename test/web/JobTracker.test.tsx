import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { JobTracker } from '../../web/src/components/JobTracker/JobTracker.tsx';
import {
  fakeApi,
  jobSummary,
  phishingResult,
  renderWithServices,
  signInAs,
  socketRecorder,
} from './helpers.tsx';

const RUNNING = jobSummary();
const DONE = jobSummary({
  job_id: '44444444-4444-4444-8444-444444444444',
  status: 'completed',
  progress: 100,
  subject: 'Team lunch',
  sender: 'alice@example.org',
  verdict: 'clean',
  score: 3,
});

function renderTracker(props: Partial<Parameters<typeof JobTracker>[0]> = {}) {
  signInAs();
  const recorder = socketRecorder();
  const handlers = {
    onRefresh: vi.fn(),
    onCancelJob: vi.fn(() => Promise.resolve()),
    onViewResult: vi.fn(),
  };
  renderWithServices(<JobTracker jobs={[RUNNING, DONE]} {...handlers} {...props} />, {
    api: fakeApi(),
    createSocket: recorder.create,
  });
  return { recorder, ...handlers };
}

describe('JobTracker', () => {
  it('lists jobs with status, progress, routing reason and verdict', () => {
    renderTracker();
    const running = screen.getByRole('listitem', { name: 'Job Your account has been limited' });
    expect(within(running).getByText('processing')).toBeInTheDocument();
    expect(within(running).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '20');
    expect(within(running).getByText(RUNNING.routing.reason)).toBeInTheDocument();
    const done = screen.getByRole('listitem', { name: 'Job Team lunch' });
    expect(within(done).getByText('clean')).toBeInTheDocument();
    expect(within(done).getByText('3/100')).toBeInTheDocument();
    expect(within(done).queryByRole('button', { name: /Cancel/ })).toBeNull();
  });

  it('cancels, refreshes and opens results through its callbacks', async () => {
    const { onCancelJob, onRefresh, onViewResult } = renderTracker();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Cancel Your account has been limited' }));
    expect(onCancelJob).toHaveBeenCalledWith(RUNNING.job_id);
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(onRefresh).toHaveBeenCalled();
    const view = screen.getByRole('link', { name: 'View result of Team lunch' });
    expect(view).toHaveAttribute('href', `/jobs/${DONE.job_id}`);
    await user.click(view);
    expect(onViewResult).toHaveBeenCalledWith(DONE.job_id);
  });

  it('moves a running job live over its WebSocket until its verdict', () => {
    const { recorder, onRefresh } = renderTracker();
    // Only the running job is followed.
    expect(recorder.sockets.map((socket) => socket.url)).toEqual([
      `ws://phishnet.test/ws/jobs/${RUNNING.job_id}`,
    ]);
    const socket = recorder.last();
    const row = screen.getByRole('listitem', { name: 'Job Your account has been limited' });
    act(() => {
      socket.open();
      socket.receive({ type: 'progress_update', job_id: RUNNING.job_id, progress: 60 });
    });
    expect(within(row).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '60');
    act(() => {
      socket.receive({ type: 'job_completed', job_id: RUNNING.job_id, result: phishingResult() });
    });
    expect(within(row).getByText('completed')).toBeInTheDocument();
    expect(within(row).getByText('phishing')).toBeInTheDocument();
    expect(within(row).getByText('88/100')).toBeInTheDocument();
    expect(onRefresh).toHaveBeenCalled();
  });

  it('says when there is nothing to show', () => {
    renderTracker({ jobs: [], empty: 'No jobs match this search.' });
    expect(screen.getByText('No jobs match this search.')).toBeInTheDocument();
  });
});
