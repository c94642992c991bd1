/**
 * `phishnet loadtest --jobs N [--bulk|--single] [--batch-size N] [--analysis-type quick]
 *  [--priority P] [--concurrency N] [--timeout SECONDS] [--output results.json]
 *  [--base-url URL] [--token JWT]`: the seed's scalability test. Submits N jobs to a
 * running PhishNet (bulk requests of `--batch-size`, the default, or one request each),
 * waits for all of them, and reports throughput, latency percentiles (submission to
 * finish, from the server's timestamps), errors and a time series, as JSON with
 * `--output`. A progress bar shows on a terminal.
 *
 * Exit code 0 when every job completed, 1 when any submission or job failed or timed out,
 * 2 for a usage error (with one line on stderr).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ANALYSIS_TYPES, PRIORITIES } from '../../contracts/queues.ts';
import { coerceError } from '../../lib/errors.ts';
import {
  createApiClient,
  describeFailure,
  describeResponse,
  parseBaseUrl,
  sampleEmail,
  sleep,
  tokenOf,
  UsageError,
  type ApiClient,
} from '../api-client.ts';

const USAGE =
  'usage: phishnet loadtest --jobs N [--bulk|--single] [--batch-size N] [--analysis-type quick|standard|comprehensive] [--priority low|normal|high|urgent] [--concurrency N] [--timeout SECONDS] [--output FILE.json] [--base-url URL] [--token JWT]';
const POLL_MS = 1_000;

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface LoadtestOptions {
  baseUrl: string;
  token: string | undefined;
  jobs: number;
  mode: 'bulk' | 'single';
  batchSize: number;
  analysisType: string;
  priority: string | undefined;
  concurrency: number;
  timeoutMs: number;
  output: string | undefined;
}

type Percentiles = Record<'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'mean', number | null>;

export interface LoadtestResult {
  base_url: string;
  mode: 'bulk' | 'single';
  analysis_type: string;
  jobs_requested: number;
  batch_size: number | null;
  started_at: string;
  finished_at: string;
  submitted: number;
  completed: number;
  failed: number;
  timed_out: number;
  submit_seconds: number;
  duration_seconds: number;
  throughput: { submitted_per_second: number; completed_per_second: number };
  /** Submission to finish, from the server's `submitted_at` and `finished_at`. */
  latency_seconds: Percentiles;
  /** Start of processing to finish (`processing_time`). */
  processing_seconds: Percentiles;
  errors: { kind: 'submit' | 'job' | 'timeout'; code: string; count: number; example: string }[];
  time_series: {
    t: number;
    submitted: number;
    completed: number;
    failed: number;
    pending: number;
  }[];
}

interface TrackedJob {
  id: string;
  batchId?: string;
  status?: string | undefined;
  body?: JobStatusBody;
}

interface JobStatusBody {
  status?: string;
  submitted_at?: string;
  finished_at?: string | null;
  processing_time?: number | null;
  error?: { code?: string; message?: string } | null;
}

export async function loadtestCommand(argv: string[]): Promise<void> {
  let options: LoadtestOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (err) {
    const error = coerceError(err);
    const message = error instanceof UsageError ? error.message : `${error.message}; ${USAGE}`;
    process.stderr.write(`phishnet loadtest: ${message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const client = createApiClient(options.baseUrl, options.token);
  try {
    const health = await client.request('GET', '/healthz');
    if (health.status !== 200) throw new Error(describeResponse(health));
  } catch (err) {
    process.stderr.write(
      `phishnet loadtest: cannot reach ${options.baseUrl}: ${describeFailure(err)}\n`,
    );
    process.exitCode = EXIT_FAILED;
    return;
  }
  const result = await runLoadtest(client, options);
  process.stdout.write(formatSummary(result));
  if (options.output) {
    await writeFile(options.output, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results written to ${options.output}\n`);
  }
  const ok = result.completed === result.jobs_requested && result.errors.length === 0;
  process.exitCode = ok ? EXIT_PASSED : EXIT_FAILED;
}

function parseOptions(argv: string[]): LoadtestOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string' },
      bulk: { type: 'boolean', default: false },
      single: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      'analysis-type': { type: 'string', default: 'quick' },
      priority: { type: 'string' },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
      output: { type: 'string' },
      'base-url': { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (values.jobs === undefined) throw new UsageError(`--jobs is required; ${USAGE}`);
  if (values.bulk && values.single) throw new UsageError('--bulk and --single exclude each other');
  const analysisType = values['analysis-type'];
  if (!(ANALYSIS_TYPES as readonly string[]).includes(analysisType)) {
    throw new UsageError(
      `--analysis-type: expected one of ${ANALYSIS_TYPES.join(', ')}, got "${analysisType}"`,
    );
  }
  if (
    values.priority !== undefined &&
    !(PRIORITIES as readonly string[]).includes(values.priority)
  ) {
    throw new UsageError(
      `--priority: expected one of ${PRIORITIES.join(', ')}, got "${values.priority}"`,
    );
  }
  return {
    baseUrl: parseBaseUrl(values['base-url']),
    token: tokenOf(values.token),
    jobs: positiveInt('--jobs', values.jobs, 1),
    mode: values.single ? 'single' : 'bulk',
    batchSize: positiveInt('--batch-size', values['batch-size'], 100),
    analysisType,
    priority: values.priority,
    concurrency: positiveInt('--concurrency', values.concurrency, 8),
    timeoutMs: positiveInt('--timeout', values.timeout, 600) * 1_000,
    output: values.output,
  };
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new UsageError(`${name}: expected a whole number ≥ 1, got "${value}"`);
  }
  return parsed;
}

/** Runs `work` over `items`, at most `concurrency` at a time. */
async function forEachPooled<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

export async function runLoadtest(
  client: ApiClient,
  options: LoadtestOptions,
): Promise<LoadtestResult> {
  const startedAt = new Date();
  const started = performance.now();
  const seconds = (): number => round((performance.now() - started) / 1_000);
  const run = `loadtest ${startedAt.toISOString()}`;
  const tracked: TrackedJob[] = [];
  const errors = new Map<string, LoadtestResult['errors'][number]>();
  const addError = (
    kind: 'submit' | 'job' | 'timeout',
    code: string,
    example: string,
    count = 1,
  ): void => {
    const key = `${kind}:${code}`;
    const entry = errors.get(key);
    if (entry) entry.count += count;
    else errors.set(key, { kind, code, count, example });
  };
  const series: LoadtestResult['time_series'] = [];
  const counts = (): { completed: number; failed: number } => ({
    completed: tracked.filter((job) => job.status === 'completed').length,
    failed: tracked.filter((job) => job.status === 'failed' || job.status === 'cancelled').length,
  });
  const bar = new cliProgress.SingleBar(
    {
      format: 'loadtest |{bar}| {value}/{total} finished | {submitted} submitted | {failed} failed',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.jobs, 0, { submitted: 0, failed: 0 });
  const sample = (): void => {
    const { completed, failed } = counts();
    series.push({
      t: seconds(),
      submitted: tracked.length,
      completed,
      failed,
      pending: tracked.length - completed - failed,
    });
    bar.update(completed + failed, { submitted: tracked.length, failed });
  };
  const sampler = setInterval(sample, POLL_MS);

  // Submit.
  const submission = { analysis_type: options.analysisType, ...priorityOf(options) };
  if (options.mode === 'bulk') {
    const batches = chunk(
      Array.from({ length: options.jobs }, (_, i) => i),
      options.batchSize,
    );
    await forEachPooled(batches, options.concurrency, async (indexes) => {
      try {
        const response = await client.request('POST', '/api/v1/analysis/submit-bulk', {
          ...submission,
          emails: indexes.map((i) => sampleEmail(i, `${run} #${i}`)),
        });
        const body = response.body as { batch_id?: string; job_ids?: string[] };
        if (response.status !== 202 || !body.batch_id || !body.job_ids) {
          addError('submit', codeOf(response), describeResponse(response), indexes.length);
          return;
        }
        for (const id of body.job_ids) tracked.push({ id, batchId: body.batch_id });
      } catch (err) {
        addError('submit', describeFailure(err), describeFailure(err), indexes.length);
      }
    });
  } else {
    await forEachPooled(
      Array.from({ length: options.jobs }, (_, i) => i),
      options.concurrency,
      async (i) => {
        try {
          const response = await client.request('POST', '/api/v1/analysis/submit', {
            ...submission,
            ...sampleEmail(i, `${run} #${i}`),
          });
          const body = response.body as { job_id?: string };
          if (response.status !== 202 || !body.job_id) {
            addError('submit', codeOf(response), describeResponse(response));
            return;
          }
          tracked.push({ id: body.job_id });
        } catch (err) {
          addError('submit', describeFailure(err), describeFailure(err));
        }
      },
    );
  }
  const submitSeconds = seconds();

  // Wait for every job to finish: each pass asks about the ones still unfinished.
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const open = tracked.filter((job) => !isFinished(job.status));
    if (open.length === 0 || performance.now() > deadline) break;
    await refreshStatuses(client, open, options.concurrency);
    if (tracked.some((job) => !isFinished(job.status))) await sleep(POLL_MS);
  }
  clearInterval(sampler);
  const durationSeconds = seconds();
  sample();
  bar.stop();

  // Timestamps of every finished job, for the latencies.
  await refreshStatuses(
    client,
    tracked.filter((job) => isFinished(job.status) && !job.body?.finished_at),
    options.concurrency,
  );
  const latencies: number[] = [];
  const processing: number[] = [];
  let timedOut = 0;
  for (const job of tracked) {
    if (!isFinished(job.status)) {
      timedOut += 1;
      addError('timeout', 'NOT_FINISHED', `job ${job.id} still ${job.status ?? 'unknown'}`);
      continue;
    }
    if (job.status !== 'completed') {
      const error = job.body?.error;
      addError('job', error?.code ?? job.status ?? 'FAILED', error?.message ?? job.id);
    }
    const submittedMs = Date.parse(job.body?.submitted_at ?? '');
    const finishedMs = Date.parse(job.body?.finished_at ?? '');
    if (Number.isFinite(submittedMs) && Number.isFinite(finishedMs)) {
      latencies.push((finishedMs - submittedMs) / 1_000);
    }
    if (typeof job.body?.processing_time === 'number') processing.push(job.body.processing_time);
  }
  const { completed, failed } = counts();
  return {
    base_url: options.baseUrl,
    mode: options.mode,
    analysis_type: options.analysisType,
    jobs_requested: options.jobs,
    batch_size: options.mode === 'bulk' ? options.batchSize : null,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    submitted: tracked.length,
    completed,
    failed,
    timed_out: timedOut,
    submit_seconds: submitSeconds,
    duration_seconds: durationSeconds,
    throughput: {
      submitted_per_second: rate(tracked.length, submitSeconds),
      completed_per_second: rate(completed, durationSeconds),
    },
    latency_seconds: percentiles(latencies),
    processing_seconds: percentiles(processing),
    errors: [...errors.values()].sort((a, b) => b.count - a.count),
    time_series: series,
  };
}

function priorityOf(options: LoadtestOptions): { priority?: string } {
  return options.priority === undefined ? {} : { priority: options.priority };
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
function isFinished(status: string | undefined): boolean {
  return status !== undefined && FINISHED.has(status);
}

async function refreshStatuses(
  client: ApiClient,
  jobs: TrackedJob[],
  concurrency: number,
): Promise<void> {
  await forEachPooled(jobs, concurrency, async (job) => {
    try {
      const response = await client.request('GET', `/api/v1/analysis/status/${job.id}`);
      if (response.status !== 200) return; // asked again on the next pass
      job.body = response.body as JobStatusBody;
      job.status = job.body.status;
    } catch {
      // A failed read is asked again on the next pass; the timeout bounds the waiting.
    }
  });
}

function codeOf(response: { status: number; body: unknown }): string {
  const code = (response.body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : `HTTP_${response.status}`;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0)
    return { p50: null, p90: null, p95: null, p99: null, max: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const at = (p: number): number =>
    round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
  return {
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length),
  };
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? round(count / seconds) : 0;
}

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}

function formatSummary(result: LoadtestResult): string {
  const how = result.mode === 'bulk' ? `bulk requests of ${result.batch_size}` : 'single requests';
  const fmt = (v: number | null): string => (v === null ? '-' : `${v} s`);
  const lines = [
    `loadtest: ${result.jobs_requested} ${result.analysis_type} jobs in ${how} against ${result.base_url}`,
    `  submitted ${result.submitted} in ${result.submit_seconds} s (${result.throughput.submitted_per_second}/s)`,
    `  completed ${result.completed}, failed ${result.failed}, timed out ${result.timed_out} in ${result.duration_seconds} s (${result.throughput.completed_per_second} jobs/s)`,
    `  latency, submit to finish: p50 ${fmt(result.latency_seconds.p50)}, p90 ${fmt(result.latency_seconds.p90)}, p99 ${fmt(result.latency_seconds.p99)}, max ${fmt(result.latency_seconds.max)}`,
    `  processing: p50 ${fmt(result.processing_seconds.p50)}, p99 ${fmt(result.processing_seconds.p99)}`,
    ...result.errors.map(
      (error) => `  error: ${error.count} × ${error.kind} ${error.code} (e.g. ${error.example})`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
