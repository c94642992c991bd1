/**
 * What the deployment files are checked against: the config schema, the CLI's
 * commands and arguments, the task table's time limits and the metrics the API
 * really exports. Shared by the tests of test/deploy/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { parse, parseAllDocuments } from 'yaml';
import { registerMetrics } from '../../src/api/plugins/metrics.ts';
import { parseLanes, parsePositiveInt } from '../../src/cli/args.ts';
import { DEFAULT_WORKER_LANES } from '../../src/cli/commands/worker.ts';
import type { Config } from '../../src/config/config.ts';
import { envSchema } from '../../src/config/env-schema.ts';
import type { JobKind, Lane } from '../../src/contracts/queues.ts';
import type { JobsDeps } from '../../src/jobs/jobs.ts';
import { TASKS, taskTimeLimitMs } from '../../src/jobs/task-table.ts';

export const ROOT = new URL('../../', import.meta.url);

export function readText(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

/** One YAML file (with `<<` merge keys, as compose files use them). */
export function readYaml(path: string): unknown {
  return parse(readText(path), { merge: true });
}

/** Every document of a multi-document YAML file; a syntax error fails the read. */
export function readYamlDocuments(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readText(path), { merge: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message ?? ''}`);
    return doc.toJS() as Record<string, unknown>;
  });
}

export const SCHEMA_ENV: readonly string[] = Object.keys(envSchema.shape);

export function isKnownEnv(name: string): boolean {
  return SCHEMA_ENV.includes(name);
}

/** The `phishnet` commands, from the table in src/cli/main.ts (importing it would run it). */
export function cliCommands(): string[] {
  const source = readText('src/cli/main.ts');
  const table = /const COMMANDS[^{]*\{([^}]*)\}/.exec(source)?.[1] ?? '';
  return [...table.matchAll(/^\s*(\w+):\s*\w+Command,?$/gm)].map((match) => match[1] ?? '');
}

export interface ParsedCommand {
  command: string;
  /** For `worker`: its lanes and concurrency, as the CLI would read them. */
  lanes: Lane[];
  concurrency: number | null;
}

/** Reads a container's arguments the way `phishnet` does; throws what the CLI would refuse. */
export function parseCommand(args: readonly string[], config: Config): ParsedCommand {
  const [command = '', ...rest] = args;
  if (!cliCommands().includes(command)) throw new Error(`"${command}" is no phishnet command`);
  if (command !== 'worker') {
    if (rest.length > 0) throw new Error(`phishnet ${command} takes no arguments here`);
    return { command, lanes: [], concurrency: null };
  }
  const { values } = parseArgs({
    args: rest,
    options: { queues: { type: 'string' }, concurrency: { type: 'string' } },
  });
  return {
    command,
    lanes: parseLanes(values.queues, DEFAULT_WORKER_LANES),
    concurrency: parsePositiveInt('--concurrency', values.concurrency, config.workers.concurrency),
  };
}

/** The longest time limit of the tasks that run on `lanes`; 0 when none does. */
export function longestTaskMs(lanes: readonly Lane[], config: Config): number {
  const limits = (Object.keys(TASKS) as JobKind[])
    .filter((task) => (lanes as readonly string[]).includes(TASKS[task].lane))
    .map((task) => taskTimeLimitMs(task, config.taskTimeLimitMs));
  return Math.max(0, ...limits);
}

/**
 * The metric names GET /metrics exports, from the registry the API builds
 * (histograms with their `_bucket`, `_sum` and `_count` series). Nothing is
 * collected, so no Redis is needed.
 */
export function exportedMetricNames(): Set<string> {
  const registry = registerMetrics(Fastify(), { jobs: {} as JobsDeps, token: undefined });
  const names = new Set<string>();
  // prom-client's own metrics and PhishNet's Redis-read ones both carry name and type.
  const metrics = registry.getMetricsAsArray() as unknown as { name: string; type: string }[];
  for (const { name, type } of metrics) {
    names.add(name);
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** `phishnet_*` names used in a PromQL expression. */
export function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\bphishnet_[a-z0-9_]+\b/g)].map((match) => match[0]);
}

/** `45s`, `2m15s`, `1h` → milliseconds (compose durations). */
export function durationMs(value: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === '') throw new Error(`not a duration: "${value}"`);
  const [, h = '0', m = '0', s = '0'] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1_000;
}

/** Whether `command args…` runs here (a client that may be missing, say `docker compose`). */
export function runs(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
