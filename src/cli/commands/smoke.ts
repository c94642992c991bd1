/**
 * `phishnet smoke [--base-url URL] [--token JWT] [--timeout SECONDS]`: the seed's
 * `scripts/test_workers.py`. Against a running PhishNet it submits an email and follows
 * it over WebSocket and by polling, submits a small bulk and follows the batch, listens
 * to /ws/system, and reads every workers endpoint (those the OpenAPI document lists, or
 * the seed's when it cannot be read). Nothing it does changes the server's state beyond
 * the few jobs it submits.
 *
 * Prints one line per check, PASS or FAIL; exit code 0 when all pass, 1 when any fails,
 * 2 for a usage error (with one line on stderr).
 */
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
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
  type ApiResponse,
} from '../api-client.ts';

const USAGE = 'usage: phishnet smoke [--base-url URL] [--token JWT] [--timeout SECONDS]';
const DEFAULT_TIMEOUT_SECONDS = 60;
const POLL_MS = 250;
const BULK_SIZE = 3;
/** The seed's workers endpoints, read when the OpenAPI document cannot be. */
const WORKERS_ENDPOINTS = [
  '/api/v1/workers/status',
  '/api/v1/workers/stats',
  '/api/v1/workers/queues',
  '/api/v1/workers/history',
  '/api/v1/workers/dlq',
];

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A check that did not pass, with why. */
class CheckFailed extends Error {}

interface Check {
  name: string;
  /** Resolves with a short detail when it passes; throws why it does not. */
  run(): Promise<string>;
}

export async function smokeCommand(argv: string[]): Promise<void> {
  let client: ApiClient;
  let timeoutMs: number;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        'base-url': { type: 'string' },
        token: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    timeoutMs = parseTimeoutSeconds(values.timeout) * 1_000;
    client = createApiClient(parseBaseUrl(values['base-url']), tokenOf(values.token));
  } catch (err) {
    process.stderr.write(`phishnet smoke: ${usageMessage(err)}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  process.stdout.write(`PhishNet smoke test against ${client.baseUrl}\n`);
  const failed = await runChecks(smokeChecks(client, timeoutMs));
  process.exitCode = failed === 0 ? EXIT_PASSED : EXIT_FAILED;
}

function parseTimeoutSeconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout: expected seconds > 0, got "${value}"`);
  }
  return seconds;
}

function usageMessage(err: unknown): string {
  const error = coerceError(err);
  if (error instanceof UsageError) return error.message;
  // parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code and a clear message.
  return `${error.message}; ${USAGE}`;
}

/** Runs the checks in order, printing each; returns how many failed. */
async function runChecks(checks: AsyncIterable<Check>): Promise<number> {
  let passed = 0;
  let failed = 0;
  for await (const check of checks) {
    const started = performance.now();
    try {
      const detail = await check.run();
      const ms = Math.round(performance.now() - started);
      process.stdout.write(`  PASS  ${check.name} (${detail ? `${detail}, ` : ''}${ms} ms)\n`);
      passed += 1;
    } catch (err) {
      const reason = err instanceof CheckFailed ? err.message : describeFailure(err);
      process.stdout.write(`  FAIL  ${check.name}: ${reason}\n`);
      failed += 1;
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed;
}

/** The checks, made one after another: later ones use what earlier ones returned. */
async function* smokeChecks(client: ApiClient, timeoutMs: number): AsyncGenerator<Check> {
  const get = async (path: string, expected = 200): Promise<ApiResponse> => {
    const response = await client.request('GET', path);
    if (response.status !== expected) throw new CheckFailed(describeResponse(response));
    return response;
  };

  yield {
    name: 'GET /healthz',
    run: async () => {
      const body = (await get('/healthz')).body as { status?: string } | null;
      if (body?.status !== 'ok')
        throw new CheckFailed(`not PhishNet's health answer: ${JSON.stringify(body)}`);
      return '';
    },
  };
  yield {
    name: 'GET /readyz',
    run: async () => {
      const body = (await get('/readyz')).body as { status?: string; redis?: string };
      if (body.status !== 'ready') throw new CheckFailed(`not ready: ${JSON.stringify(body)}`);
      return `redis ${body.redis ?? '?'}`;
    },
  };

  let jobId: string | undefined;
  yield {
    name: 'POST /api/v1/analysis/submit',
    run: async () => {
      const response = await client.request('POST', '/api/v1/analysis/submit', {
        ...sampleEmail(0, `smoke ${new Date().toISOString()}`),
        analysis_type: 'quick',
      });
      const body = response.body as { job_id?: string; routing?: { lane?: string } };
      if (response.status !== 202 || !body.job_id) {
        throw new CheckFailed(describeResponse(response));
      }
      jobId = body.job_id;
      return `job ${jobId} on ${body.routing?.lane ?? '?'}`;
    },
  };
  const needJob = (): string => {
    if (!jobId) throw new CheckFailed('no job to follow: the submission failed');
    return jobId;
  };
  yield {
    name: 'WS /ws/jobs/{job_id}',
    run: async () => {
      const id = needJob();
      const message = await awaitMessage(
        client.openWebSocket(`/ws/jobs/${id}`),
        (m) => m.type === 'job_completed' || m.type === 'job_failed' || m.type === 'error',
        timeoutMs,
      );
      if (message.type !== 'job_completed') {
        throw new CheckFailed(`got ${JSON.stringify(message)}`);
      }
      return 'job_completed';
    },
  };
  yield {
    name: 'GET /api/v1/analysis/status/{job_id}',
    run: async () => {
      const id = needJob();
      const status = await pollUntil(
        () => get(`/api/v1/analysis/status/${id}`),
        (body: { status?: string }) => body.status === 'completed' || body.status === 'failed',
        timeoutMs,
      );
      const body = status as { status: string; result?: { verdict?: string; score?: number } };
      if (body.status !== 'completed' || !body.result?.verdict) {
        throw new CheckFailed(`job ended ${JSON.stringify(body).slice(0, 200)}`);
      }
      return `${body.result.verdict}, score ${body.result.score ?? '?'}`;
    },
  };

  let batchId: string | undefined;
  yield {
    name: 'POST /api/v1/analysis/submit-bulk',
    run: async () => {
      const tag = `smoke bulk ${new Date().toISOString()}`;
      const response = await client.request('POST', '/api/v1/analysis/submit-bulk', {
        emails: Array.from({ length: BULK_SIZE }, (_, i) => sampleEmail(i, `${tag} ${i}`)),
        analysis_type: 'quick',
      });
      const body = response.body as { batch_id?: string; total_jobs?: number };
      if (response.status !== 202 || !body.batch_id || body.total_jobs !== BULK_SIZE) {
        throw new CheckFailed(describeResponse(response));
      }
      batchId = body.batch_id;
      return `batch ${batchId}, ${BULK_SIZE} jobs`;
    },
  };
  yield {
    name: 'GET /api/v1/analysis/batch/{batch_id}',
    run: async () => {
      if (!batchId) throw new CheckFailed('no batch to follow: the bulk submission failed');
      const id = batchId;
      const body = (await pollUntil(
        () => get(`/api/v1/analysis/batch/${id}`),
        (b: { counts?: { pending?: number } }) => b.counts?.pending === 0,
        timeoutMs,
      )) as { counts: { completed: number; failed: number } };
      if (body.counts.completed !== BULK_SIZE) {
        throw new CheckFailed(`counts ${JSON.stringify(body.counts)}`);
      }
      return `${body.counts.completed} completed`;
    },
  };
  yield {
    name: 'WS /ws/system',
    run: async () => {
      const message = await awaitMessage(
        client.openWebSocket('/ws/system'),
        (m) => m.type === 'system_status' || m.type === 'error',
        timeoutMs,
      );
      if (message.type !== 'system_status') throw new CheckFailed(`got ${JSON.stringify(message)}`);
      return 'system_status';
    },
  };

  for (const path of await workersEndpoints(client)) {
    yield {
      name: `GET ${path}`,
      run: async () => {
        const response = await get(path);
        if (typeof response.body !== 'object' && !path.endsWith('/dashboard')) {
          throw new CheckFailed('the body is not JSON');
        }
        return '';
      },
    };
  }
}

/**
 * Every GET under /api/v1/workers/ that takes no path parameter, from the OpenAPI document;
 * the seed's list when the document cannot be read.
 */
async function workersEndpoints(client: ApiClient): Promise<string[]> {
  try {
    const response = await client.request('GET', '/docs/json');
    const paths = (response.body as { paths?: Record<string, Record<string, unknown>> }).paths;
    if (response.status !== 200 || !paths) return WORKERS_ENDPOINTS;
    const found = Object.entries(paths)
      .filter(([path, methods]) => path.startsWith('/api/v1/workers/') && 'get' in methods)
      .map(([path]) => path)
      .filter((path) => !path.includes('{'))
      .sort();
    return found.length > 0 ? found : WORKERS_ENDPOINTS;
  } catch {
    return WORKERS_ENDPOINTS;
  }
}

async function pollUntil<T>(
  read: () => Promise<ApiResponse>,
  done: (body: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await read()).body as T;
    if (done(body)) return body;
    if (Date.now() > deadline) {
      throw new CheckFailed(
        `not done after ${timeoutMs / 1_000} s: ${JSON.stringify(body).slice(0, 200)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** The first message that `wanted` accepts; the socket is closed afterwards. */
function awaitMessage(
  socket: WebSocket,
  wanted: (message: { type?: string }) => boolean,
  timeoutMs: number,
): Promise<{ type?: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      finish(() => {
        reject(new CheckFailed(`no message after ${timeoutMs / 1_000} s`));
      });
    }, timeoutMs);
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      settle();
    };
    socket.on('message', (data: Buffer) => {
      let message: { type?: string };
      try {
        message = JSON.parse(data.toString('utf8')) as { type?: string };
      } catch {
        return;
      }
      if (wanted(message)) {
        finish(() => {
          resolve(message);
        });
      }
    });
    socket.on('unexpected-response', (_request, response) => {
      finish(() => {
        reject(new CheckFailed(`HTTP ${response.statusCode ?? '?'} instead of a WebSocket`));
      });
    });
    socket.on('error', (err) => {
      finish(() => {
        reject(new CheckFailed(describeFailure(err)));
      });
    });
    socket.on('close', (code, reason) => {
      finish(() => {
        reject(new CheckFailed(`closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
      });
    });
  });
}
