/**
 * Redis memory per 1,000 retained jobs, for sizing Redis (docs/production.md):
 * emails of the corpus (or the test fixtures) submitted through the API, each
 * made unique so the blob store cannot share them, then analysed by in-process
 * workers. Measured as the growth of INFO used_memory on a private
 * redis-server: once queued, and once finished with their results retained.
 *
 *   npm run bench -- redis-memory            1,000 per analysis type (200 comprehensive)
 *   BENCH_MEMORY_JOBS=5000 npm run bench -- redis-memory
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config/config.ts';
import type { AnalysisType } from '../src/contracts/queues.ts';
import { WORK_LANES } from '../src/contracts/queues.ts';
import { openJobs, type OpenJobs } from '../src/jobs/jobs.ts';
import { closeQueueEvents, createQueueEvents } from '../src/jobs/queues.ts';
import { readRedisMemory } from '../src/jobs/redis.ts';
import { createLogger } from '../src/lib/logger.ts';
import { loadModel } from '../src/worker/adapters/model.ts';
import { startWorkers } from '../src/worker/worker-runtime.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { loadCorpus } from './engine.ts';
import { benchAuthorization, BENCH_USER_ENV } from './api-user.ts';
import type { BenchSection } from './section.ts';

const JOBS = Number(process.env.BENCH_MEMORY_JOBS ?? 1_000);
/** A comprehensive analysis is five jobs, one of them a sandbox process: fewer of them. */
const RUNS: readonly { type: AnalysisType; submissions: number; jobsEach: number }[] = [
  { type: 'quick', submissions: JOBS, jobsEach: 1 },
  { type: 'standard', submissions: JOBS, jobsEach: 1 },
  { type: 'comprehensive', submissions: Math.max(1, Math.round(JOBS / 5)), jobsEach: 5 },
];
const MiB = 1024 * 1024;

function fixtureEmails(projectRoot: string): Uint8Array[] {
  const dir = join(projectRoot, 'test', 'fixtures', 'emails');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => new Uint8Array(readFileSync(join(dir, name))));
}

async function finishedJobs(jobs: OpenJobs): Promise<number> {
  const counts = await Promise.all(
    WORK_LANES.map((lane) => jobs.queues[lane].getJobCounts('completed', 'failed')),
  );
  return counts.reduce((sum, c) => sum + (c.completed ?? 0) + (c.failed ?? 0), 0);
}

/** Bytes of the keys matching `pattern`, by MEMORY USAGE. */
async function keyBytes(jobs: OpenJobs, pattern: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, found] = await jobs.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    const pipeline = jobs.redis.pipeline();
    for (const key of found) pipeline.memory('USAGE', key);
    for (const [, bytes] of (await pipeline.exec()) ?? []) total += Number(bytes ?? 0);
  } while (cursor !== '0');
  return total;
}

export const redisMemorySection: BenchSection = {
  name: 'redis-memory',
  title: 'Redis memory per 1,000 retained jobs (for sizing Redis)',
  async run({ projectRoot, corpusDir }) {
    const corpus = loadCorpus(corpusDir);
    const source = 'emails' in corpus ? `corpus ${corpusDir}` : 'test fixtures (small emails)';
    const emails = 'emails' in corpus ? corpus.emails : fixtureEmails(projectRoot);
    const redis = await startRedisServer().catch(() => null);
    if (!redis) return { ran: false, skipped: 'no redis-server on PATH' };
    const logger = createLogger({ level: 'silent' });
    const model = loadModel();
    const rows = [];
    try {
      for (const run of RUNS) {
        const config = loadConfig({
          PHISHNET_PREFIX: `bench-${randomUUID()}`,
          PHISHNET_LOG_LEVEL: 'silent',
          PHISHNET_KEEP_COMPLETED: '1000000',
          ...BENCH_USER_ENV,
        });
        const jobs = await openJobs(config, redis.url);
        const events = createQueueEvents({ url: redis.url }, config.prefix);
        const app = await buildApp(config, { jobs, events, logger });
        const authorization = await benchAuthorization(config);
        try {
          const before = (await readRedisMemory(jobs.redis)).usedBytes;
          let emailBytes = 0;
          for (let i = 0; i < run.submissions; i++) {
            // Spread over the whole corpus, which is ordered by folder (ham, then phishing).
            const email =
              emails[Math.floor((i * emails.length) / run.submissions) % emails.length]!;
            // A header of its own makes every email distinct, as reported emails are.
            const raw = `X-Bench-Id: ${randomUUID()}\r\n${Buffer.from(email).toString('latin1')}`;
            emailBytes += raw.length;
            const response = await app.inject({
              method: 'POST',
              url: '/api/v1/analysis/submit',
              headers: { authorization },
              payload: { raw, analysis_type: run.type },
            });
            if (response.statusCode !== 202) {
              throw new Error(`submit: ${response.statusCode} ${response.body}`);
            }
          }
          const queued = (await readRedisMemory(jobs.redis)).usedBytes;
          const workers = await startWorkers({
            config,
            redisUrl: redis.url,
            lanes: [...WORK_LANES],
            concurrency: 4,
            logger,
            // No DNS here: the memory of a result does not depend on it.
            ports: { resolveTxt: () => Promise.resolve([]), model },
          });
          const expected = run.submissions * run.jobsEach;
          while ((await finishedJobs(jobs)) < expected) {
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          await workers.close();
          const retained = (await readRedisMemory(jobs.redis)).usedBytes;
          const blobs = await keyBytes(jobs, `${config.prefix}:blob:*`);
          const streams = await keyBytes(jobs, `${config.prefix}:*:events`);
          const per1000 = (bytes: number) => ((bytes / run.submissions) * 1_000) / MiB;
          rows.push({
            analysis: run.type,
            submissions: run.submissions,
            'email KiB (mean)': Math.round(emailBytes / run.submissions / 1024),
            'queued MiB/1,000': per1000(queued - before).toFixed(1),
            'retained MiB/1,000': per1000(retained - before).toFixed(1),
            'of which emails': per1000(blobs).toFixed(1),
            'of which event streams': per1000(streams).toFixed(1),
          });
        } finally {
          await app.close();
          await closeQueueEvents(events);
          await jobs.close();
        }
      }
      console.log(`emails: ${source}, ${emails.length} distinct, each made unique`);
      console.table(rows);
      console.log(
        'Event streams are capped at 10,000 entries per lane: a fixed cost, not one per job.',
      );
      return { ran: true };
    } finally {
      await redis.stop();
    }
  },
};
