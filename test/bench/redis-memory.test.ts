import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

describe('npm run bench -- redis-memory', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.BENCH_MEMORY_JOBS;
  });

  // Not a timed test: it checks that the section still runs against the API as it is
  // (authenticated, rate-limited) and prints a row per analysis type.
  it('submits through the authenticated API and prints its figures', async () => {
    process.env.BENCH_MEMORY_JOBS = '5';
    const { redisMemorySection } = await import('../../bench/redis-memory.ts');
    const tables: unknown[] = [];
    vi.spyOn(console, 'table').mockImplementation((rows: unknown) => void tables.push(rows));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);

    const outcome = await redisMemorySection.run({
      projectRoot: PROJECT_ROOT,
      corpusDir: join(PROJECT_ROOT, 'no-corpus-here'),
    });

    expect(outcome).toEqual({ ran: true });
    const rows = tables[0] as Record<string, unknown>[];
    expect(rows.map((row) => [row.analysis, row.submissions])).toEqual([
      ['quick', 5],
      ['standard', 5],
      ['comprehensive', 1],
    ]);
    for (const row of rows) expect(Number(row['retained MiB/1,000'])).toBeGreaterThan(0);
  }, 120_000);
});
