/**
 * The operator's documentation stays true: docs/architecture.md's tables of
 * processes, tasks, layers and metrics match the code, every page is reachable
 * from the README, and no relative link points nowhere.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JobKind } from '../../src/contracts/queues.ts';
import { TASKS } from '../../src/jobs/task-table.ts';
import { cliCommands, exportedMetricNames, readText, ROOT } from '../deploy/manifests.ts';

const architecture = readText('docs/architecture.md');

/** The rows of the Markdown table that follows `heading`, as arrays of cells. */
function tableAfter(text: string, heading: string): string[][] {
  const start = text.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const code = (cell: string | undefined) => /^`([^`]+)`/.exec(cell ?? '')?.[1];

describe('docs/architecture.md', () => {
  it('lists every phishnet command', () => {
    const listed = tableAfter(architecture, '## Processes').map((row) =>
      code(row[0])?.replace(/^phishnet /, ''),
    );
    expect(listed.sort()).toEqual(cliCommands().sort());
  });

  it('gives every task its lane and time limit', () => {
    const rows = tableAfter(architecture, '## Lanes and tasks');
    expect(rows.map((row) => code(row[0])).sort()).toEqual(Object.keys(TASKS).sort());
    for (const row of rows) {
      const task = code(row[0]) as JobKind;
      const spec: { lane: string; timeLimitMs?: number } = TASKS[task];
      expect(row[1], task).toBe(spec.lane);
      expect(row[2], task).toBe(
        spec.timeLimitMs === undefined
          ? '`PHISHNET_TASK_TIME_LIMIT_SECONDS` (600)'
          : String(spec.timeLimitMs / 1_000),
      );
    }
  });

  it('describes every layer of src/', () => {
    const listed = tableAfter(architecture, '## Layers').map((row) => code(row[0]));
    const layers = readdirSync(new URL('src/', ROOT), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `src/${entry.name}/`);
    expect(listed.sort()).toEqual(layers.sort());
  });

  it('lists exactly the metrics /metrics exports', () => {
    const listed = tableAfter(architecture, '## Observability').map((row) => code(row[0]) ?? '');
    const exported = [...exportedMetricNames()].filter(
      (name) => !/_(bucket|sum|count)$/.test(name),
    );
    expect(listed.sort()).toEqual(exported.sort());
  });
});

describe('the documentation', () => {
  const docs = readdirSync(new URL('docs/', ROOT)).filter((file) => file.endsWith('.md'));

  it('is reachable from the README', () => {
    const readme = readText('README.md');
    for (const doc of docs) expect(readme, doc).toContain(`(docs/${doc})`);
  });

  it('has no relative link that points nowhere', () => {
    for (const file of ['README.md', ...docs.map((doc) => `docs/${doc}`)]) {
      const text = readText(file);
      const base = dirname(fileURLToPath(new URL(file, ROOT)));
      for (const [, target = ''] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(join(base, target)), `${file} → ${target}`).toBe(true);
      }
    }
  });
});
