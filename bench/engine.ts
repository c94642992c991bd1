/**
 * Engine throughput on a directory of .eml files (recursively): emails per
 * second and p50/p99 milliseconds per email, for the quick profile (parser,
 * headers, links, content) and the full one (every analyzer registered), on
 * one core, plus the process's peak RSS.
 *
 *   npx tsc -p tsconfig.build.json
 *   node -e "import('./dist/bench/engine.js').then((m) => m.benchEngine('/work/shared/corpus'))"
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS, QUICK_ANALYZERS } from '../src/engine/index.ts';
import type { EngineOptions } from '../src/engine/index.ts';

export interface ProfileFigures {
  profile: string;
  /** Over the whole corpus, large messages included. */
  emails: number;
  emailsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Over the median-size messages only (45th to 55th size percentile), which the targets are set on. */
  medianEmailBytes: number;
  medianSizeEmailsPerSecond: number;
}

export interface EngineBenchFigures {
  profiles: ProfileFigures[];
  peakRssMiB: number;
}

const PROFILES: readonly { name: string; options: EngineOptions }[] = [
  { name: 'quick', options: { ...DEFAULT_ENGINE_OPTIONS, analyzers: QUICK_ANALYZERS } },
  { name: 'full', options: DEFAULT_ENGINE_OPTIONS },
];
/** Passes before timing, so the JIT has seen every path. */
const WARMUP_EMAILS = 200;

function listEmails(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listEmails(path);
    return entry.name.endsWith('.eml') ? [path] : [];
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function timeEach(emails: readonly Uint8Array[], options: EngineOptions): Promise<{ times: number[]; elapsedMs: number }> {
  const times: number[] = [];
  const started = performance.now();
  for (const raw of emails) {
    const t0 = performance.now();
    await analyzeEmail({ raw }, options);
    times.push(performance.now() - t0);
  }
  return { times: times.sort((a, b) => a - b), elapsedMs: performance.now() - started };
}

/** The middle tenth of the corpus by size, repeated to about as many runs as the corpus has emails. */
function medianSized(emails: readonly Uint8Array[]): Uint8Array[] {
  const bySize = [...emails].sort((a, b) => a.byteLength - b.byteLength);
  const middle = bySize.slice(Math.floor(bySize.length * 0.45), Math.ceil(bySize.length * 0.55));
  const repeats = Math.max(1, Math.round(emails.length / Math.max(1, middle.length)));
  return Array.from({ length: repeats }, () => middle).flat();
}

async function runProfile(name: string, options: EngineOptions, emails: readonly Uint8Array[]): Promise<ProfileFigures> {
  for (const raw of emails.slice(0, WARMUP_EMAILS)) await analyzeEmail({ raw }, options);
  const all = await timeEach(emails, options);
  const median = medianSized(emails);
  const typical = await timeEach(median, options);
  return {
    profile: name,
    emails: emails.length,
    emailsPerSecond: Math.round((emails.length * 1000) / all.elapsedMs),
    p50Ms: Number(percentile(all.times, 50).toFixed(3)),
    p99Ms: Number(percentile(all.times, 99).toFixed(3)),
    medianEmailBytes: percentile(median.map((e) => e.byteLength).sort((a, b) => a - b), 50),
    medianSizeEmailsPerSecond: Math.round((median.length * 1000) / typical.elapsedMs),
  };
}

export async function benchEngine(corpusDir: string): Promise<EngineBenchFigures | null> {
  if (!existsSync(corpusDir)) {
    console.log(`bench: no corpus at ${corpusDir}; skipped.`);
    return null;
  }
  const emails = listEmails(corpusDir).map((path) => new Uint8Array(readFileSync(path)));
  if (emails.length === 0) {
    console.log(`bench: no .eml files under ${corpusDir}; skipped.`);
    return null;
  }
  const profiles: ProfileFigures[] = [];
  for (const { name, options } of PROFILES) profiles.push(await runProfile(name, options, emails));
  const figures = { profiles, peakRssMiB: Math.round(resourceUsage().maxRSS / 1024) };
  console.table(profiles);
  console.log(`peak RSS: ${figures.peakRssMiB} MiB`);
  return figures;
}
