/** What `npm run bench` runs: named sections, each measuring one thing (see `main.ts`). */

export interface BenchContext {
  projectRoot: string;
  /** `PHISHNET_CORPUS`, or `../shared/corpus` beside the project. */
  corpusDir: string;
}

/** Skipped says why: no corpus, no Redis, nothing to measure on this machine. */
export type SectionOutcome = { ran: true } | { ran: false; skipped: string };

export interface BenchSection {
  /** Short and unique; `npm run bench -- <name>` runs only this section. */
  name: string;
  title: string;
  /** Measures and prints its figures, or says why it could not. */
  run(context: BenchContext): Promise<SectionOutcome>;
}
