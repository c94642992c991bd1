/**
 * getJobStatus against real Redis, when a job fails between the reads that make up its
 * status: the failure's code must still be the one the worker recorded.
 */
import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { getJobStatus, openJobs, prepareJob, type OpenJobs } from '../../src/jobs/jobs.ts';
import { recordJobError } from '../../src/jobs/job-record.ts';
import { createRedis } from '../../src/jobs/redis.ts';

describe('getJobStatus', () => {
  let config: Config;
  let jobs: OpenJobs;
  let worker: Worker;
  let workerRedis: Redis;

  beforeAll(async () => {
    config = loadConfig({ PHISHNET_PREFIX: `test-${randomUUID()}`, PHISHNET_LOG_LEVEL: 'silent' });
    jobs = await openJobs(config, inject('redisUrl'));
    workerRedis = createRedis(inject('redisUrl'), 'worker', 'test-worker');
    // No processor: the test takes the job and fails it by hand, as a worker would.
    worker = new Worker('standard', null, { connection: workerRedis, prefix: config.prefix });
  });
  afterAll(async () => {
    await worker.close();
    workerRedis.disconnect();
    for (const queue of Object.values(jobs.queues)) await queue.obliterate({ force: true });
    const found = await jobs.redis.keys(`${config.prefix}:*`);
    if (found.length > 0) await jobs.redis.del(...found);
    await jobs.close();
  });

  it('reports the recorded code of a job that failed just after its record was read', async () => {
    const { payload, options } = await prepareJob(jobs, {
      email: Buffer.from('From: a@example.com\r\nSubject: Hi\r\n\r\nHello.'),
      subject: '',
      sender: '',
      analysisType: 'standard',
      priority: 'normal',
      owner: 'test',
    });
    await jobs.queues.standard.add(payload.task, payload, options);

    /** Records the failure and fails the job, in the worker's order. */
    async function failAsTheWorkerDoes(): Promise<void> {
      const token = randomUUID();
      const job = await worker.getNextJob(token);
      if (!job.id) throw new Error('the job has no id');
      await recordJobError(
        jobs,
        job.id,
        { code: 'TASK_PAYLOAD_INVALID', message: 'refused', class: 'permanent' },
        60_000,
      );
      // A permanent failure: the worker stops retrying it.
      await job.moveToFailed(new UnrecoverableError('refused'), token, false);
    }
    // The job fails right after getJobStatus has read its record, before it reads the state.
    let interleaved = false;
    const redis = new Proxy(jobs.redis, {
      get(target, property, receiver) {
        if (property !== 'hgetall' || interleaved)
          return Reflect.get(target, property, receiver) as unknown;
        return async (key: string) => {
          const fields = await target.hgetall(key);
          interleaved = true;
          await failAsTheWorkerDoes();
          return fields;
        };
      },
    });

    const status = await getJobStatus({ ...jobs, redis }, payload.job_id);
    expect(interleaved).toBe(true);
    expect(status).toMatchObject({
      status: 'failed',
      error: { code: 'TASK_PAYLOAD_INVALID', message: 'refused', class: 'permanent' },
    });
  });
});
