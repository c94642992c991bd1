/**
 * Queue figures of the scale issue, on a private redis-server. Section `queue`: (a) a
 * bulk of 1,000 accepted, (b) end-to-end throughput of quick scans in worker processes,
 * (d) urgent single scans while a low-priority flood is queued, (e) RSS at rest and
 * under load. Section `overhead`: (c) PhishNet's overhead against bare BullMQ with a
 * no-op task, alternating rounds (BENCH_NOOP_ROUNDS, default 3) and taking the medians.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { buildApp } from '../src/api/app.ts';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS, QUICK_ANALYZERS } from '../src/engine/index.ts';
import { loadConfig, type Config } from '../src/config/config.ts';
import type { AnalysisResult } from '../src/contracts/analysis-result.ts';
import type { WorkLane } from '../src/contracts/queues.ts';
import { openJobs, prepareJob, type OpenJobs } from '../src/jobs/jobs.ts';
import { closeQueueEvents, createQueueEvents } from '../src/jobs/queues.ts';
import { createLogger } from '../src/lib/logger.ts';
import { startWorkers } from '../src/worker/worker-runtime.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { benchAuthorization, BENCH_USER_ENV } from './api-user.ts';
import type { BenchSection } from './section.ts';

const FLOOD_JOBS = Number(process.env.BENCH_FLOOD_JOBS ?? 10_000);
const URGENT_JOBS = 50;
const NOOP_JOBS = 5_000;
/** Completed jobs are counted from BullMQ's completed set, so none may be trimmed meanwhile. */
const KEEP_ALL = {
  PHISHNET_KEEP_COMPLETED: '1000000',
  PHISHNET_LOG_LEVEL: 'silent',
  ...BENCH_USER_ENV,
};

/** The bench's one email, as submitted: a small phishing message. */
const BENCH_EMAIL = Buffer.from(
  'From: PayPal <service@paypa1-secure.com>\r\nSubject: Verify your account\r\nContent-Type: text/html\r\n\r\n' +
    '<p>Your account is limited. Verify within 24 hours.</p><a href="http://198.51.100.7/login">https://www.paypal.com/signin</a>',
);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Lanes quick scans run on: realtime, and background for low-priority work it spills. */
const QUICK_LANES = ['realtime', 'background'] as const;

/**
 * Completed jobs on `lanes`. A failed job stops the bench: a figure counting failures would
 * measure the failure path (a session once reported a no-op rate of jobs that all failed).
 */
async function completedCount(jobs: OpenJobs, lanes: readonly WorkLane[]): Promise<number> {
  const counts = await Promise.all(
    lanes.map((lane) => jobs.queues[lane].getJobCounts('completed', 'failed')),
  );
  const failed = counts.reduce((sum, c) => sum + (c.failed ?? 0), 0);
  if (failed > 0) {
    const [job] = await jobs.queues[lanes[0] ?? 'realtime'].getFailed(0, 0);
    throw new Error(`${failed} bench jobs failed; first: ${job?.failedReason ?? 'unknown'}`);
  }
  return counts.reduce((sum, c) => sum + (c.completed ?? 0), 0);
}

async function waitForCount(
  jobs: OpenJobs,
  lanes: readonly WorkLane[],
  count: number,
): Promise<void> {
  while ((await completedCount(jobs, lanes)) < count) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startWorkerProcess(projectRoot: string, env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    [
      join(projectRoot, 'dist/src/cli/main.js'),
      'worker',
      '--queues',
      QUICK_LANES.join(','),
      '--concurrency',
      '8',
    ],
    { env: { ...process.env, ...env }, stdio: 'inherit' },
  );
}

async function withApi<T>(
  config: Config,
  redisUrl: string,
  run: (jobs: OpenJobs, submitBulk: (n: number, priority: string) => Promise<number>) => Promise<T>,
): Promise<T> {
  const jobs = await openJobs(config, redisUrl);
  const events = createQueueEvents({ url: redisUrl }, config.prefix);
  const app = await buildApp(config, { jobs, events, logger: createLogger({ level: 'silent' }) });
  const authorization = await benchAuthorization(config);
  const email = BENCH_EMAIL.toString('base64');
  const submitBulk = async (n: number, priority: string): Promise<number> => {
    const started = performance.now();
    for (let sent = 0; sent < n; sent += 5_000) {
      const emails = Array.from({ length: Math.min(5_000, n - sent) }, () => ({ raw: email }));
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit-bulk',
        headers: { authorization },
        payload: { emails, analysis_type: 'quick', priority },
      });
      if (response.statusCode !== 202)
        throw new Error(`bulk: ${response.statusCode} ${response.body}`);
    }
    return performance.now() - started;
  };
  try {
    return await run(jobs, submitBulk);
  } finally {
    await app.close();
    await closeQueueEvents(events);
    await jobs.close();
  }
}

/** Rounds of (c), alternating, so a machine busy for a while weighs on both sides alike. */
const NOOP_ROUNDS = Number(process.env.BENCH_NOOP_ROUNDS ?? 3);

/** One side's figures of a round of (c): throughput, and what each job cost. */
interface NoopFigures {
  jobsPerSecond: number;
  /** CPU of this process (the worker, plus the bench's polling) per job, µs. */
  workerCpuUs: number;
  /** CPU of redis-server per job, µs. */
  redisCpuUs: number;
  /** Commands Redis ran per job, those Lua scripts run included (the bench's polling too, alike on both sides). */
  redisCommands: number;
  /** Commands this process's clients sent per job: round trips, roughly (scripts count as one). */
  sentCommands: number;
}

/**
 * Counts the commands every ioredis client of this process sends (the workers run here), by
 * wrapping `Redis.prototype.sendCommand`, which MULTI and pipelines go through too.
 */
function countSentCommands(): { count(): number; stop(): void } {
  const prototype = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const original = prototype.sendCommand;
  let sent = 0;
  prototype.sendCommand = function (this: unknown, ...args: unknown[]) {
    sent += 1;
    return original.apply(this, args);
  };
  return {
    count: () => sent,
    stop: () => {
      prototype.sendCommand = original;
    },
  };
}

/** Redis's own CPU (µs) and command count so far, from `INFO`. */
async function redisCounters(redis: Redis): Promise<{ cpuUs: number; commands: number }> {
  const info = await redis.info();
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    cpuUs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6,
    commands: field('total_commands_processed'),
  };
}

/** Measures `run` (which finishes `jobs` jobs): its rate, and the CPU and commands each cost. */
async function measureNoop(
  redisUrl: string,
  jobs: number,
  run: () => Promise<void>,
): Promise<NoopFigures> {
  const probe = new Redis(redisUrl);
  try {
    const redisBefore = await redisCounters(probe);
    const sent = countSentCommands();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    try {
      await run();
    } finally {
      sent.stop();
    }
    const seconds = (performance.now() - started) / 1_000;
    const cpu = process.cpuUsage(cpuBefore);
    const redisAfter = await redisCounters(probe);
    return {
      jobsPerSecond: jobs / seconds,
      workerCpuUs: (cpu.user + cpu.system) / jobs,
      redisCpuUs: (redisAfter.cpuUs - redisBefore.cpuUs) / jobs,
      redisCommands: (redisAfter.commands - redisBefore.commands) / jobs,
      sentCommands: sent.count() / jobs,
    };
  } finally {
    probe.disconnect();
  }
}

/**
 * (c), PhishNet's side: a bulk of quick scans through PhishNet's worker with a no-op task,
 * which answers with the bench email's real result, analysed once beforehand.
 */
async function phishnetNoop(redisUrl: string): Promise<NoopFigures> {
  const result = await analyzeEmail(
    { raw: BENCH_EMAIL },
    { ...DEFAULT_ENGINE_OPTIONS, analyzers: QUICK_ANALYZERS },
  );
  const noop = (): Promise<AnalysisResult> => Promise.resolve(result);
  const config = loadConfig({ PHISHNET_PREFIX: `bench-${randomUUID()}`, ...KEEP_ALL });
  await withApi(config, redisUrl, (_jobs, submitBulk) => submitBulk(NOOP_JOBS, 'normal'));
  // The API is closed before the workers start: in production it is another process, and its
  // event listener would otherwise share this one's CPU with the workers (bare BullMQ has none).
  const jobs = await openJobs(config, redisUrl);
  try {
    return await measureNoop(redisUrl, NOOP_JOBS, async () => {
      const workers = await startWorkers({
        config,
        redisUrl,
        lanes: ['realtime'],
        concurrency: 8,
        logger: createLogger({ level: 'silent' }),
        ports: {},
        processors: { quick_email_scan: noop },
      });
      await waitForCount(jobs, ['realtime'], NOOP_JOBS);
      await workers.close();
    });
  } finally {
    await obliterateAll(jobs);
    await jobs.close();
  }
}

/** (c), bare BullMQ's side: the same number of jobs, through a bare worker at the same concurrency. */
async function bareNoop(redisUrl: string): Promise<NoopFigures> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-bare-${randomUUID()}`;
  const queue = new Queue('bare', { connection, prefix });
  await queue.addBulk(Array.from({ length: NOOP_JOBS }, (_, i) => ({ name: 'noop', data: { i } })));
  const bare = await measureNoop(redisUrl, NOOP_JOBS, async () => {
    const worker = new Worker('bare', () => Promise.resolve(null), {
      connection,
      prefix,
      concurrency: 8,
    });
    for (;;) {
      if ((await queue.getJobCounts('completed')).completed === NOOP_JOBS) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await worker.close();
  });
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return bare;
}

/** Each round's data is removed after it, so later rounds run on a Redis as empty as the first. */
async function obliterateAll(jobs: OpenJobs): Promise<void> {
  for (const queue of Object.values(jobs.queues)) await queue.obliterate({ force: true });
  let cursor = '0';
  do {
    const [next, found] = await jobs.redis.scan(
      cursor,
      'MATCH',
      `${jobs.prefix}:*`,
      'COUNT',
      1_000,
    );
    cursor = next;
    if (found.length > 0) await jobs.redis.del(...found);
  } while (cursor !== '0');
}

/** (c): the same no-op task through PhishNet's worker and through a bare BullMQ worker. */
async function noopRatio(
  redisUrl: string,
): Promise<{ phishnet: NoopFigures; bare: NoopFigures; ratio: number }> {
  const phishnet: NoopFigures[] = [];
  const bare: NoopFigures[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < NOOP_ROUNDS; round++) {
    const b = await bareNoop(redisUrl);
    const p = await phishnetNoop(redisUrl);
    bare.push(b);
    phishnet.push(p);
    ratios.push(p.jobsPerSecond / b.jobsPerSecond);
    console.log(
      `    round ${round + 1}: PhishNet ${describeNoop(p)}; bare BullMQ ${describeNoop(b)}`,
    );
  }
  return { phishnet: medianFigures(phishnet), bare: medianFigures(bare), ratio: median(ratios) };
}

function describeNoop(f: NoopFigures): string {
  return `${Math.round(f.jobsPerSecond)} jobs/s, CPU/job worker ${Math.round(f.workerCpuUs)} µs, Redis ${Math.round(f.redisCpuUs)} µs, commands/job ${f.sentCommands.toFixed(1)} sent (${f.redisCommands.toFixed(1)} run in Redis, scripts' own included)`;
}

function medianFigures(rounds: readonly NoopFigures[]): NoopFigures {
  const of = (pick: (f: NoopFigures) => number): number => median(rounds.map(pick));
  return {
    jobsPerSecond: of((f) => f.jobsPerSecond),
    workerCpuUs: of((f) => f.workerCpuUs),
    redisCpuUs: of((f) => f.redisCpuUs),
    redisCommands: of((f) => f.redisCommands),
    sentCommands: of((f) => f.sentCommands),
  };
}

function median(values: number[]): number {
  return percentile(values, 50);
}

export const queueSection: BenchSection = {
  name: 'queue',
  title: 'Queue: bulk accept, end-to-end throughput, urgent under flood, RSS',
  async run({ projectRoot }) {
    const redis = await startRedisServer().catch(() => null);
    if (!redis) return { ran: false, skipped: 'no redis-server on PATH' };
    try {
      const config = loadConfig({ PHISHNET_PREFIX: `bench-${randomUUID()}`, ...KEEP_ALL });
      await withApi(config, redis.url, async (jobs, submitBulk) => {
        const bulkMs = await submitBulk(1_000, 'low');
        console.log(
          `(a) bulk of 1,000 accepted by one request: ${bulkMs.toFixed(0)} ms (target < 1,000 ms)`,
        );
        for (const lane of QUICK_LANES) await jobs.queues[lane].obliterate({ force: true });

        await submitBulk(FLOOD_JOBS, 'low');
        const [onRealtime, spilled] = await Promise.all(
          QUICK_LANES.map((lane) => jobs.queues[lane].count()),
        );
        const workers = [1, 2].map(() =>
          startWorkerProcess(projectRoot, {
            REDIS_URL: redis.url,
            PHISHNET_PREFIX: config.prefix,
            ...KEEP_ALL,
          }),
        );
        const started = performance.now();
        const events = new QueueEvents('realtime', {
          connection: { url: redis.url },
          prefix: config.prefix,
        });
        await events.waitUntilReady();
        const latencies: number[] = [];
        const submittedAt = new Map<string, number>();
        events.on('completed', ({ jobId }) => {
          const at = submittedAt.get(jobId);
          if (at !== undefined) latencies.push(performance.now() - at);
        });
        // Measure under the flood, not during the workers' start-up.
        await waitForCount(jobs, QUICK_LANES, 1);
        let underLoad: number[] = [];
        for (let i = 0; i < URGENT_JOBS; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const at = performance.now();
          const { payload, options } = await prepareJob(jobs, {
            email: Buffer.from('From: a@example.com\r\nSubject: urgent\r\n\r\nhello'),
            subject: 'urgent',
            sender: 'a@example.com',
            analysisType: 'quick',
            priority: 'urgent',
            owner: 'bench',
          });
          submittedAt.set(payload.job_id, at);
          await jobs.queues[payload.routing.lane].add(payload.task, payload, options);
          if (i === URGENT_JOBS / 2) underLoad = workers.map((w) => rssMiB(w.pid ?? 0));
        }
        await waitForCount(jobs, QUICK_LANES, FLOOD_JOBS + URGENT_JOBS);
        const seconds = (performance.now() - started) / 1_000;
        const atRest = workers.map((w) => rssMiB(w.pid ?? 0));
        await events.close();
        for (const w of workers) w.kill('SIGTERM');
        console.log(
          `(b) ${FLOOD_JOBS + URGENT_JOBS} quick scans end to end, 2 worker processes × concurrency 8: ${seconds.toFixed(1)} s, ${Math.round((FLOOD_JOBS + URGENT_JOBS) / seconds)} jobs/s`,
        );
        console.log(
          `(d) urgent single scans under a flood of ${FLOOD_JOBS} low-priority jobs: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms (target p99 < 1,000 ms; ${latencies.length} measured; the flood went ${onRealtime} to realtime, ${spilled} spilled to background)`,
        );
        console.log(
          `(e) RSS: API+bench process ${rssMiB(process.pid)} MiB; workers under load ${underLoad.join(', ')} MiB, after the flood ${atRest.join(', ')} MiB`,
        );
      });
      return { ran: true };
    } finally {
      await redis.stop();
    }
  },
};

export const overheadSection: BenchSection = {
  name: 'overhead',
  title: "Queue (c): PhishNet's no-op throughput against bare BullMQ's on the same Redis",
  async run() {
    const redis = await startRedisServer().catch(() => null);
    if (!redis) return { ran: false, skipped: 'no redis-server on PATH' };
    try {
      const { phishnet, bare, ratio } = await noopRatio(redis.url);
      console.log(
        `(c) no-op task, medians of ${NOOP_ROUNDS} rounds: PhishNet ${describeNoop(phishnet)}; bare BullMQ ${describeNoop(bare)}; ratio ${ratio.toFixed(2)} (median of the rounds' ratios; target ≥ 0.5)`,
      );
      return { ran: true };
    } finally {
      await redis.stop();
    }
  },
};
