/**
 * Engine throughput on a directory of .eml files (recursively): emails per
 * second and p50/p99 milliseconds per email, for the quick scan (parser,
 * headers, links, content) and the full scan (`full_email_scan`: those, the
 * committed model and the feed matcher, without feeds or DNS), on one core,
 * over every email and over the median-size ones the targets are set on; plus
 * the parser alone on the same emails, as a baseline that moves with the
 * machine (the engine's cost as a multiple of it is steadier than emails per
 * second on a shared machine), and the process's peak RSS. `npm run bench`
 * prints it (see `main.ts`); on its own:
 *
 *   npx tsc -p tsconfig.build.json
 *   node -e "import('./dist/bench/engine.js').then(async (m) => console.log(await m.benchEngine('../shared/corpus')))"
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import {
  analyzeEmail,
  DEFAULT_ENGINE_OPTIONS,
  FULL_SCAN_ANALYZERS,
  parseEmail,
  QUICK_ANALYZERS,
} from '../src/engine/index.ts';
import type { EngineOptions, EnginePorts } from '../src/engine/index.ts';
import { loadModel } from '../src/worker/adapters/model.ts';

export interface Throughput {
  emails: number;
  emailsPerSecond: number;
  /** Emails per second of this process's CPU time: near `emailsPerSecond` on an idle machine, steadier on a busy one. */
  cpuEmailsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ProfileFigures {
  profile: string;
  /** The median-size time per email as a multiple of the parser's alone, measured alongside. */
  parseMultiple?: number;
  /** Over the whole corpus, large messages included. */
  all: Throughput;
  /** Over the median-size messages only (45th to 55th size percentile), which the targets are set on. */
  medianSize: Throughput;
  medianEmailBytes: number;
}

export interface EngineBenchFigures {
  profiles: ProfileFigures[];
  peakRssMiB: number;
}

export interface EngineProfile {
  name: string;
  /** Analyses one email; the `parse` profile only parses it. */
  run: (raw: Uint8Array) => Promise<unknown>;
}

function analyzing(options: EngineOptions, ports: EnginePorts = {}) {
  return (raw: Uint8Array) => analyzeEmail({ raw }, options, ports);
}

/** The parser alone: the floor under every profile, and the baseline they are divided by. */
export const PARSE_PROFILE: EngineProfile = {
  name: 'parse',
  run: (raw) => parseEmail({ raw }, DEFAULT_ENGINE_OPTIONS.limits),
};

/** The engine profiles as the workers run them: `quick_email_scan` and `full_email_scan`. */
export function engineProfiles(ports: EnginePorts = { model: loadModel() }): EngineProfile[] {
  return [
    {
      name: 'quick',
      run: analyzing({ ...DEFAULT_ENGINE_OPTIONS, analyzers: QUICK_ANALYZERS }),
    },
    {
      name: 'full',
      run: analyzing({ ...DEFAULT_ENGINE_OPTIONS, analyzers: FULL_SCAN_ANALYZERS }, ports),
    },
  ];
}
/** Passes before timing, so the JIT has seen every path. */
const WARMUP_EMAILS = 200;
const MEDIAN_ROUNDS = 3;

function listEmails(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listEmails(path);
    return entry.name.endsWith('.eml') ? [path] : [];
  });
}

/** Every .eml under `dir`, or why there is nothing to measure. */
export function loadCorpus(dir: string): { emails: Uint8Array[] } | { skipped: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { skipped: `no corpus at ${dir}` };
  const emails = listEmails(dir).map((path) => new Uint8Array(readFileSync(path)));
  return emails.length === 0 ? { skipped: `no .eml files under ${dir}` } : { emails };
}

/** The middle tenth of the corpus by size. */
export function medianSized(emails: readonly Uint8Array[]): Uint8Array[] {
  const bySize = [...emails].sort((a, b) => a.byteLength - b.byteLength);
  return bySize.slice(Math.floor(bySize.length * 0.45), Math.ceil(bySize.length * 0.55));
}

/** `emails` repeated to at least `count` runs, so a small subset is timed as long as the corpus. */
export function repeatTo(emails: readonly Uint8Array[], count: number): Uint8Array[] {
  const repeats = Math.max(1, Math.round(count / Math.max(1, emails.length)));
  return Array.from({ length: repeats }, () => emails).flat();
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

const round3 = (n: number) => Number(n.toFixed(3));

async function measure(
  emails: readonly Uint8Array[],
  run: EngineProfile['run'],
): Promise<Throughput> {
  const times: number[] = [];
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  for (const raw of emails) {
    const t0 = performance.now();
    await run(raw);
    times.push(performance.now() - t0);
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  times.sort((a, b) => a - b);
  return {
    emails: emails.length,
    emailsPerSecond: Math.round((emails.length * 1000) / elapsedMs),
    cpuEmailsPerSecond: Math.round((emails.length * 1e6) / (cpu.user + cpu.system)),
    p50Ms: round3(percentile(times, 50)),
    p99Ms: round3(percentile(times, 99)),
  };
}

async function runProfile(
  { name, run }: EngineProfile,
  emails: readonly Uint8Array[],
): Promise<ProfileFigures> {
  const median = medianSized(emails);
  const medianRuns = repeatTo(median, emails.length);
  for (const raw of [...emails.slice(0, WARMUP_EMAILS), ...median]) await run(raw);
  for (const raw of median) await PARSE_PROFILE.run(raw);
  const all = await measure(emails, run);
  // Best of a few rounds: the median-size figure is the one held to a target. Each round is
  // paired with a round of the parser alone on the same emails, so a busy machine slows both.
  const isParse = name === PARSE_PROFILE.name;
  const pairedMultiple = async (figures: Throughput) =>
    isParse ? 1 : ratioToParse(figures, await measure(medianRuns, PARSE_PROFILE.run));
  let medianSize = await measure(medianRuns, run);
  let parseMultiple = await pairedMultiple(medianSize);
  for (let round = 1; round < MEDIAN_ROUNDS; round++) {
    const again = await measure(medianRuns, run);
    parseMultiple = Math.min(parseMultiple, await pairedMultiple(again));
    if (again.emailsPerSecond > medianSize.emailsPerSecond) medianSize = again;
  }
  return {
    profile: name,
    ...(isParse ? {} : { parseMultiple }),
    all,
    medianSize,
    medianEmailBytes: percentile(
      median.map((e) => e.byteLength).sort((a, b) => a - b),
      50,
    ),
  };
}

/** How many parses one email of the profile costs, from the two rounds' rates. */
function ratioToParse(profile: Throughput, parse: Throughput): number {
  return Number((parse.emailsPerSecond / Math.max(1, profile.emailsPerSecond)).toFixed(2));
}

/** The parser alone, then each profile, one after the other, on this thread. */
export async function measureEngine(
  emails: readonly Uint8Array[],
  profiles: readonly EngineProfile[] = engineProfiles(),
): Promise<EngineBenchFigures> {
  const figures: ProfileFigures[] = [];
  for (const profile of [PARSE_PROFILE, ...profiles])
    figures.push(await runProfile(profile, emails));
  return { profiles: figures, peakRssMiB: Math.round(resourceUsage().maxRSS / 1024) };
}

/** The figures for the corpus at `corpusDir`, or `null` when there is none. */
export async function benchEngine(corpusDir: string): Promise<EngineBenchFigures | null> {
  const corpus = loadCorpus(corpusDir);
  return 'skipped' in corpus ? null : measureEngine(corpus.emails);
}
