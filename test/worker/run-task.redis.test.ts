/**
 * runTask against real Redis: what a completed job writes, and how a stop is told apart
 * (time limit, cancellation, or both) through the one signal a job has.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AnalysisResult } from '../../src/contracts/analysis-result.ts';
import type { TaskPayload } from '../../src/contracts/queues.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { openJobs, prepareJob, type OpenJobs } from '../../src/jobs/jobs.ts';
import { markCancelled, readJobError, readJobRecord } from '../../src/jobs/job-record.ts';
import { keys } from '../../src/jobs/keys.ts';
import { PROCESSORS } from '../../src/worker/processors/index.ts';
import {
  runTask,
  TIME_LIMIT_REASON,
  type RunTaskDeps,
  type TaskControl,
} from '../../src/worker/run-task.ts';

const EMAIL = Buffer.from('From: a@example.com\r\nSubject: Hello\r\n\r\nSee you soon.');

/** A control that remembers why it was aborted, as BullMQ's `cancelJob` would abort the job's signal. */
function control(): TaskControl & { reasons: string[] } {
  const controller = new AbortController();
  const reasons: string[] = [];
  return {
    signal: controller.signal,
    reasons,
    abort(reason) {
      reasons.push(reason);
      controller.abort(reason);
    },
  };
}

/** Runs until its signal is aborted, then fails as a processor checking it would. */
function untilAborted(signal: AbortSignal, onAbort: () => Promise<void>): Promise<AnalysisResult> {
  return new Promise<AnalysisResult>((_resolve, reject) => {
    signal.addEventListener('abort', () => {
      void onAbort().then(() => {
        reject(new Error('stopped'));
      });
    });
  });
}

describe('runTask', () => {
  let config: Config;
  let jobs: OpenJobs;
  let deps: RunTaskDeps;
  const nothing = () => Promise.resolve();
  /** What the slow task does when it starts, and when its signal is aborted. */
  let hooks: { onStart: () => void; onAbort: (jobId: string) => Promise<void> } = {
    onStart: () => undefined,
    onAbort: nothing,
  };

  beforeAll(async () => {
    config = loadConfig({
      PHISHNET_PREFIX: `test-${randomUUID()}`,
      PHISHNET_LOG_LEVEL: 'silent',
      PHISHNET_TASK_TIME_LIMIT_SECONDS: '1',
    });
    jobs = await openJobs(config, inject('redisUrl'));
    deps = {
      redis: jobs.redis,
      prefix: config.prefix,
      blobs: jobs.blobs,
      config,
      ports: {},
      processors: {
        ...PROCESSORS,
        // Its time limit is the configuration's (1 s here); quick scans have one of their own.
        deep_attachment_scan: ({ payload, signal }) => {
          const stopped = untilAborted(signal, () => hooks.onAbort(payload.job_id));
          hooks.onStart();
          return stopped;
        },
      },
    };
  });
  afterAll(async () => {
    for (const queue of Object.values(jobs.queues)) await queue.obliterate({ force: true });
    const found = await jobs.redis.keys(`${config.prefix}:*`);
    if (found.length > 0) await jobs.redis.del(...found);
    await jobs.close();
  });

  /** A submitted job, queued as `task` under `taskId` (its job_id unless a flow child's). */
  async function queued(
    options: { task?: TaskPayload['task']; batchId?: string; child?: boolean } = {},
  ): Promise<Job> {
    const { payload } = await prepareJob(
      jobs,
      {
        email: EMAIL,
        subject: '',
        sender: '',
        analysisType: 'standard',
        priority: 'normal',
        owner: 'test',
      },
      options.batchId === undefined ? undefined : { id: options.batchId, realtimeQueued: 0 },
    );
    const task = options.task ?? payload.task;
    const taskId = options.child ? `${payload.job_id}-${task}` : payload.job_id;
    return jobs.queues.standard.add(task, { ...payload, task }, { jobId: taskId });
  }

  it('keeps a completed job’s verdict on its record and counts it in its batch', async () => {
    const batchId = randomUUID();
    await jobs.redis.hset(keys(config.prefix).batch(batchId), { total: 1 });
    const job = await queued({ batchId });
    const result = await runTask(deps, job, control());
    const record = await readJobRecord(jobs, job.id ?? '');
    expect(record).toMatchObject({ verdict: result.verdict, score: result.score });
    // The submission gave no subject or sender: the parsed ones fill them in.
    expect(record).toMatchObject({ subject: 'Hello', sender: 'a@example.com' });
    expect(
      await jobs.redis.hget(keys(config.prefix).batch(batchId), `verdict:${result.verdict}`),
    ).toBe('1');
  });

  it('writes nothing for a flow’s child: it counts through its parent', async () => {
    const batchId = randomUUID();
    const job = await queued({ batchId, child: true });
    await runTask(deps, job, control());
    expect(await jobs.redis.exists(keys(config.prefix).job(job.id ?? ''))).toBe(0);
    expect(await jobs.redis.exists(keys(config.prefix).batch(batchId))).toBe(0);
  });

  it('aborts a task at its time limit, with the time-limit reason, as a resource failure', async () => {
    const job = await queued({ task: 'deep_attachment_scan' });
    const ctl = control();
    const started = Date.now();
    await expect(runTask(deps, job, ctl)).rejects.toThrow(/exceeded its time limit of 1000 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(ctl.reasons).toEqual([TIME_LIMIT_REASON]);
    expect(await readJobError(jobs, job.id ?? '')).toMatchObject({
      code: 'TASK_TIME_LIMIT_EXCEEDED',
      class: 'resource',
    });
  });

  it('reports a cancellation as one, not as a failure of the task', async () => {
    const job = await queued({ task: 'deep_attachment_scan' });
    const ctl = control();
    hooks = {
      onStart: () => {
        ctl.abort('cancelled');
      },
      onAbort: nothing,
    };
    try {
      await expect(runTask(deps, job, ctl)).rejects.toThrow(/was cancelled/);
    } finally {
      hooks = { onStart: () => undefined, onAbort: nothing };
    }
    expect(await readJobError(jobs, job.id ?? '')).toMatchObject({ code: 'TASK_CANCELLED' });
  });

  it('reports a job cancelled after its time limit passed as cancelled', async () => {
    const job = await queued({ task: 'deep_attachment_scan' });
    const ctl = control();
    // The cancellation arrives once the time limit has aborted the signal (so it cannot abort
    // it again): only the record tells it apart.
    hooks = { onStart: () => undefined, onAbort: (jobId) => markCancelled(jobs, jobId) };
    try {
      await expect(runTask(deps, job, ctl)).rejects.toThrow(/was cancelled/);
    } finally {
      hooks = { onStart: () => undefined, onAbort: nothing };
    }
    expect(ctl.reasons).toEqual([TIME_LIMIT_REASON]);
    expect((await readJobRecord(jobs, job.id ?? ''))?.cancelled_at).toBeDefined();
    expect(await readJobError(jobs, job.id ?? '')).toMatchObject({ code: 'TASK_CANCELLED' });
  });
});
