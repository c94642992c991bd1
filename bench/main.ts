/**
 * `npm run bench`: every section in `SECTIONS`, in order, each printing its
 * own figures. A section that lacks what it needs (no corpus, no Redis) says
 * why and is skipped; the others still run.
 *
 *   npm run bench                  every section
 *   npm run bench -- engine        only the named sections (engine, parser, queue, overhead)
 *   PHISHNET_CORPUS=/path npm run bench
 *
 * To add a section, write a `BenchSection` (see `section.ts`; in its own
 * file if it is more than a few lines) and append it to `SECTIONS`.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { argv, env, version } from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEmail, DEFAULT_ENGINE_OPTIONS } from '../src/engine/index.ts';
import { setFastDecoding } from '../src/engine/mime-decoders.ts';
import { setBlobFreeDecoding, setDirectLineFeeding } from '../src/engine/parse.ts';
import { engineProfiles, loadCorpus, measureEngine, medianSized, repeatTo } from './engine.ts';
import type { EngineBenchFigures, EngineProfile, Throughput } from './engine.ts';
import { overheadSection, queueSection } from './queue.ts';
import { redisMemorySection } from './redis-memory.ts';
import type { BenchContext, BenchSection } from './section.ts';

export type { BenchContext, BenchSection, SectionOutcome } from './section.ts';

/** The targets of the engine issue, per email of median size on one core. */
const TARGET_EMAILS_PER_SECOND: Readonly<Record<string, number>> = { quick: 2_000, full: 500 };

function printEngineFigures({ profiles, peakRssMiB }: EngineBenchFigures): void {
  console.table(
    profiles.flatMap(({ profile, all, medianSize, medianEmailBytes, parseMultiple }) => [
      { profile, emails: 'all', runs: all.emails, ...figuresOf(all) },
      {
        profile,
        emails: `median size (${(medianEmailBytes / 1024).toFixed(1)} KiB)`,
        runs: medianSize.emails,
        ...figuresOf(medianSize),
        '× parse': parseMultiple ?? 1,
      },
    ]),
  );
  console.log(
    '× parse: time per median-size email as a multiple of parsing it alone (rounds paired, lowest kept): steadier than emails/s on a shared machine.',
  );
  for (const { profile, medianSize } of profiles) {
    const target = TARGET_EMAILS_PER_SECOND[profile];
    if (target === undefined) continue;
    const verdict = medianSize.emailsPerSecond >= target ? 'met' : 'NOT met';
    console.log(
      `target ${profile}: ≥ ${target} emails/s at median size: ${verdict} (${medianSize.emailsPerSecond})`,
    );
  }
  console.log(`peak RSS: ${peakRssMiB} MiB`);
}

function figuresOf(t: Throughput) {
  return {
    'emails/s': t.emailsPerSecond,
    'p50 ms': t.p50Ms,
    'p99 ms': t.p99Ms,
    'emails/cpu-s': t.cpuEmailsPerSecond,
  };
}

const engineSection: BenchSection = {
  name: 'engine',
  title: 'Engine throughput, quick and full scans (committed model, no feeds or DNS), one core',
  async run({ corpusDir }) {
    const corpus = loadCorpus(corpusDir);
    if ('skipped' in corpus) return { ran: false, skipped: corpus.skipped };
    let profiles: EngineProfile[];
    try {
      profiles = engineProfiles();
    } catch (error) {
      return { ran: false, skipped: error instanceof Error ? error.message : String(error) };
    }
    console.log(`corpus: ${corpus.emails.length} emails at ${corpusDir}`);
    printEngineFigures(await measureEngine(corpus.emails, profiles));
    return { ran: true };
  },
};

/** Parses per second of the median-size emails: best of several rounds. */
async function parsesPerSecond(emails: readonly Uint8Array[], rounds: number): Promise<number> {
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (const raw of emails) await parseEmail({ raw }, DEFAULT_ENGINE_OPTIONS.limits);
    best = Math.max(best, (emails.length * 1000) / (performance.now() - started));
  }
  return Math.round(best);
}

/** postal-mime as shipped, then with each of the engine's shortcuts added (`parse.ts`, `mime-decoders.ts`). */
const PARSER_VARIANTS = [
  { name: 'postal-mime as shipped', blobFree: false, directLines: false, fastDecoders: false },
  { name: 'blob-free', blobFree: true, directLines: false, fastDecoders: false },
  { name: 'blob-free, lines fed directly', blobFree: true, directLines: true, fastDecoders: false },
  {
    name: 'blob-free, lines fed directly, fast decoders: native base64, growing buffers, runs of lines (default)',
    blobFree: true,
    directLines: true,
    fastDecoders: true,
  },
] as const;

const parserSection: BenchSection = {
  name: 'parser',
  title:
    'Parser alone: postal-mime as shipped, without its Blob round trip, without an await per line, and with faster decoders (see src/engine/parse.ts, src/engine/mime-decoders.ts)',
  async run({ corpusDir }) {
    const corpus = loadCorpus(corpusDir);
    if ('skipped' in corpus) return { ran: false, skipped: corpus.skipped };
    const emails = repeatTo(medianSized(corpus.emails), corpus.emails.length);
    const rows: { decoding: string; 'parses/s': number }[] = [];
    try {
      for (const round of [1, 2]) {
        for (const { name, blobFree, directLines, fastDecoders } of PARSER_VARIANTS) {
          const applied =
            setBlobFreeDecoding(blobFree) === blobFree &&
            setDirectLineFeeding(directLines) === directLines &&
            setFastDecoding(fastDecoders) === fastDecoders;
          if (!applied) {
            return { ran: false, skipped: `this postal-mime version cannot run "${name}"` };
          }
          rows.push({
            decoding: `${name}, round ${round}`,
            'parses/s': await parsesPerSecond(emails, 2),
          });
        }
      }
    } finally {
      setBlobFreeDecoding(true);
      setDirectLineFeeding(true);
      setFastDecoding(true);
    }
    console.table(rows);
    return { ran: true };
  },
};

export const SECTIONS: readonly BenchSection[] = [
  engineSection,
  parserSection,
  queueSection,
  redisMemorySection,
  overheadSection,
];

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

async function main(): Promise<void> {
  const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
  const context: BenchContext = {
    projectRoot,
    corpusDir: resolve(env.PHISHNET_CORPUS ?? join(projectRoot, '..', 'shared', 'corpus')),
  };
  const wanted = argv.slice(2);
  const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(
      `bench: no section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  console.log(`PhishNet bench: Node ${version}, load average ${load}`);
  for (const section of SECTIONS) {
    if (wanted.length > 0 && !wanted.includes(section.name)) continue;
    console.log(`\n== ${section.name}: ${section.title}`);
    const outcome = await section.run(context);
    if (!outcome.ran) console.log(`skipped: ${outcome.skipped}`);
  }
}

// Only when run, so that other scripts can import `SECTIONS`.
if (argv[1] !== undefined && import.meta.url === pathToFileURL(argv[1]).href) await main();
