import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useJobWebSocket, type JobUpdate } from '../../web/src/hooks/useJobWebSocket.ts';
import { phishingResult, socketRecorder } from './helpers.tsx';

const JOB = '22222222-2222-4222-8222-222222222222';

function follow(options: { pingIntervalMs?: number } = {}) {
  const recorder = socketRecorder();
  const updates: JobUpdate[] = [];
  const hook = renderHook(() =>
    useJobWebSocket({
      url: 'ws://phishnet.test/ws',
      jobId: JOB,
      token: 'secret-token',
      createSocket: recorder.create,
      initialBackoffMs: 20,
      maxBackoffMs: 40,
      onUpdate: (update) => updates.push(update),
      ...options,
    }),
  );
  return { ...hook, recorder, updates };
}

describe('useJobWebSocket', () => {
  it('connects to the job with the token as a subprotocol, never in the URL', () => {
    const { recorder, result } = follow();
    const socket = recorder.last();
    expect(socket.url).toBe(`ws://phishnet.test/ws/jobs/${JOB}`);
    expect(socket.protocols).toEqual(['phishnet.bearer', 'secret-token']);
    expect(socket.url).not.toContain('secret-token');
    expect(result.current.isConnected).toBe(false);
    act(() => {
      socket.open();
    });
    expect(result.current.isConnected).toBe(true);
    expect(result.current.state).toBe('open');
  });

  it('hands each update to onUpdate and keeps the last one', () => {
    const { recorder, result, updates } = follow();
    const socket = recorder.last();
    act(() => {
      socket.open();
      socket.receive({ type: 'progress_update', job_id: JOB, progress: 40 });
      socket.receive({ type: 'pong' });
    });
    expect(updates).toEqual([{ type: 'progress_update', job_id: JOB, progress: 40 }]);
    expect(result.current.lastUpdate).toEqual({
      type: 'progress_update',
      job_id: JOB,
      progress: 40,
    });
  });

  it('reconnects after a dropped connection and resubscribes to the same job', async () => {
    const { recorder, result, updates } = follow();
    const first = recorder.last();
    act(() => {
      first.open();
      first.drop(1006);
    });
    expect(result.current.state).toBe('reconnecting');
    expect(result.current.isConnected).toBe(false);
    await waitFor(() => {
      expect(recorder.sockets).toHaveLength(2);
    });
    const second = recorder.last();
    expect(second.url).toBe(first.url);
    expect(second.protocols).toEqual(['phishnet.bearer', 'secret-token']);
    act(() => {
      second.open();
      second.receive({ type: 'progress_update', job_id: JOB, progress: 70 });
    });
    expect(result.current.state).toBe('open');
    expect(updates.at(-1)).toMatchObject({ progress: 70 });
  });

  it('backs off longer after each failed attempt', () => {
    vi.useFakeTimers();
    try {
      vi.spyOn(Math, 'random').mockReturnValue(1);
      const { recorder } = follow();
      act(() => {
        recorder.last().drop(1006);
      });
      // First retry after the initial 20 ms, the second after 40 ms.
      act(() => {
        vi.advanceTimersByTime(19);
      });
      expect(recorder.sockets).toHaveLength(1);
      act(() => {
        vi.advanceTimersByTime(1);
      });
      expect(recorder.sockets).toHaveLength(2);
      act(() => {
        recorder.last().drop(1006);
        vi.advanceTimersByTime(39);
      });
      expect(recorder.sockets).toHaveLength(2);
      act(() => {
        vi.advanceTimersByTime(1);
      });
      expect(recorder.sockets).toHaveLength(3);
    } finally {
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });

  it('pings to keep the connection, and replaces one that stops answering', () => {
    vi.useFakeTimers();
    try {
      const { recorder, result } = follow({ pingIntervalMs: 1_000 });
      const socket = recorder.last();
      act(() => {
        socket.open();
        vi.advanceTimersByTime(1_000);
      });
      expect(socket.sent).toEqual(['{"type":"ping"}']);
      act(() => {
        socket.receive({ type: 'pong' });
        vi.advanceTimersByTime(1_000);
      });
      expect(socket.sent).toHaveLength(2);
      // No answer for more than two intervals: the connection is dead, not idle.
      act(() => {
        vi.advanceTimersByTime(2_000);
      });
      expect(socket.closedByClient).toBe(true);
      expect(result.current.state).toBe('reconnecting');
      act(() => {
        vi.advanceTimersByTime(100);
      });
      expect(recorder.sockets).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes for good once the job has completed', async () => {
    const { recorder, result } = follow();
    const socket = recorder.last();
    act(() => {
      socket.open();
      socket.receive({ type: 'job_completed', job_id: JOB, result: phishingResult() });
    });
    expect(result.current.lastUpdate?.type).toBe('job_completed');
    expect(result.current.state).toBe('closed');
    expect(result.current.error).toBeNull();
    expect(socket.closedByClient).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(recorder.sockets).toHaveLength(1);
  });

  it('does not retry when the server closes with an application code (job not found)', async () => {
    const { recorder, result } = follow();
    act(() => {
      recorder.last().open();
      recorder.last().drop(4404, 'job not found');
    });
    expect(result.current.state).toBe('closed');
    expect(result.current.error).toBe('job not found');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(recorder.sockets).toHaveLength(1);
  });

  it('opens nothing without a job id', () => {
    const recorder = socketRecorder();
    const { result } = renderHook(() =>
      useJobWebSocket({ url: 'ws://x/ws', jobId: null, createSocket: recorder.create }),
    );
    expect(recorder.sockets).toHaveLength(0);
    expect(result.current.state).toBe('idle');
  });
});
