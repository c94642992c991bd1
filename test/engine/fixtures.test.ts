import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  analysisResultSchema,
  VERDICTS,
  type Verdict,
} from '../../src/contracts/analysis-result.ts';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS } from '../../src/engine/index.ts';
import { z } from 'zod';

const FIXTURES = join(import.meta.dirname, '../fixtures/emails');

/** `NAME.expected.json` beside each `NAME.eml`. */
const expectedSchema = z.object({
  verdict: z.union([z.enum(VERDICTS), z.array(z.enum(VERDICTS)).nonempty()]),
  findings: z.array(z.string()).default([]),
  absent: z.array(z.string()).default([]),
});

const samples = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.eml'))
  .sort()
  .map((name) => {
    const base = name.slice(0, -'.eml'.length);
    const expected = expectedSchema.parse(
      JSON.parse(readFileSync(join(FIXTURES, `${base}.expected.json`), 'utf8')),
    );
    return { name: base, raw: readFileSync(join(FIXTURES, name)), expected };
  });

describe('the engine on each fixture email', () => {
  it('has fixtures to run', () => {
    expect(samples.length).toBeGreaterThan(0);
  });

  it.each(samples)('judges $name as expected', async ({ raw, expected }) => {
    const result = analysisResultSchema.parse(
      await analyzeEmail({ raw: new Uint8Array(raw) }, DEFAULT_ENGINE_OPTIONS),
    );
    const ids = result.findings.map((f) => f.id);
    const acceptable: readonly Verdict[] =
      typeof expected.verdict === 'string' ? [expected.verdict] : expected.verdict;
    const context = `${result.summary}\nfindings: ${JSON.stringify(
      result.findings.map((f) => `${f.id}=${f.score} ${f.evidence}`),
      null,
      1,
    )}`;
    expect(acceptable, context).toContain(result.verdict);
    for (const id of expected.findings) expect(ids, context).toContain(id);
    for (const id of expected.absent) expect(ids, context).not.toContain(id);
  });
});
