/**
 * `phishnet intel`, called in-process (main.ts does not route `intel` yet) against the
 * test run's redis-server, with REDIS_URL and a unique prefix set in process.env per call.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { intelCommand } from '../../src/cli/commands/intel.ts';
import { freePort } from '../../src/cli/local-redis.ts';
import { isAppError } from '../../src/lib/errors.ts';

const prefix = `test-${randomUUID()}`;
const redis = new Redis(inject('redisUrl'));
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/feeds/${name}`, import.meta.url));

afterAll(async () => {
  const found = await redis.keys(`${prefix}*`);
  if (found.length) await redis.del(...found);
  await redis.quit();
});
afterEach(() => {
  process.exitCode = undefined;
});

interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: typeof process.exitCode;
}

/** Runs the command with the given env overlaid, capturing its output; restores both after. */
async function runIntel(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const vars = { REDIS_URL: inject('redisUrl'), PHISHNET_PREFIX: prefix, ...env };
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await intelCommand(argv);
    return { stdout, stderr, exitCode: process.exitCode };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
}

describe('phishnet intel load', () => {
  it('loads a feed file and says how many indicators it loaded and skipped', async () => {
    const file = fixture('openphish.txt');
    const run = await runIntel(['load', file, '--format', 'plain', '--source', 'openphish']);
    expect(run).toEqual({
      stdout: `loaded 5 indicators (2 skipped) from ${file}\n5 new; the store holds 5\n`,
      stderr: '',
      exitCode: undefined,
    });
    expect(await redis.scard(`${prefix}:intel:urls`)).toBe(3);
    const provenance = await redis.hget(`${prefix}:intel:meta:domains`, 'evil-bank.example');
    expect(JSON.parse(provenance!)).toMatchObject({ source: 'openphish' });
  });

  it('names the source after the file when --source is not given', async () => {
    const file = fixture('malwarebazaar.csv');
    const run = await runIntel(['load', '--format=hash_csv', file]);
    expect(run.stdout).toMatch(/^loaded 4 indicators \(2 skipped\) from .*malwarebazaar\.csv\n/);
    const hash = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    const provenance = await redis.hget(`${prefix}:intel:meta:hashes`, hash);
    expect(JSON.parse(provenance!)).toMatchObject({ source: 'malwarebazaar.csv' });
  });
});

describe('phishnet intel stats', () => {
  it('prints the count of each kind and the version', async () => {
    const env = { PHISHNET_PREFIX: `${prefix}-stats` };
    await runIntel(['load', fixture('openphish.txt'), '--format', 'plain'], env);
    await runIntel(['load', fixture('hashes.csv'), '--format', 'hash_csv'], env);
    const run = await runIntel(['stats'], env);
    expect(run.exitCode).toBeUndefined();
    const rows = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((line): [string, string] => {
          const [name = '', count = ''] = line.split(/\s+/);
          return [name, count];
        }),
    );
    expect(rows).toEqual({
      domains: '1',
      urls: '3',
      ips: '1',
      hashes: '1',
      total: '6',
      version: '2',
    });
  });
});

describe('when the command line or the file is wrong', () => {
  it.each([
    ['no subcommand', []],
    ['an unknown subcommand', ['purge']],
    ['no FILE', ['load', '--format', 'plain']],
    ['no --format', ['load', fixture('openphish.txt')]],
    ['an unknown --format', ['load', fixture('openphish.txt'), '--format', 'xml']],
    ['an unknown flag', ['load', fixture('openphish.txt'), '--format', 'plain', '--force']],
    ['an extra argument', ['load', fixture('openphish.txt'), 'more', '--format', 'plain']],
    ['an empty --source', ['load', fixture('openphish.txt'), '--format', 'plain', '--source=']],
    ['a missing file', ['load', fixture('no-such-feed.txt'), '--format', 'plain']],
    ['a file not of its format', ['load', fixture('openphish.txt'), '--format', 'phishtank_json']],
    ['a flag for stats', ['stats', '--format', 'plain']],
  ])('exits 2 with one line on stderr for %s, before touching Redis', async (_case, argv) => {
    // A REDIS_URL nobody answers: reaching Redis would throw instead of exiting 2.
    const run = await runIntel(argv, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^phishnet intel: [^\n]+\n$/);
  });

  it('says which file could not be read', async () => {
    const file = fixture('no-such-feed.txt');
    const run = await runIntel(['load', file, '--format', 'plain']);
    expect(run.stderr).toBe(`phishnet intel: cannot read ${file} (ENOENT)\n`);
  });

  it('leaves an unreachable Redis to the caller, as every command does', async () => {
    const failure = await runIntel(['stats'], {
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    }).catch((error: unknown) => error);
    expect(isAppError(failure, 'REDIS_NOT_AVAILABLE')).toBe(true);
  });

  it('prints its usage for --help', async () => {
    const run = await runIntel(['--help']);
    expect(run.stdout).toMatch(/^usage: phishnet intel load FILE --format plain\|urlhaus_csv/);
    expect(run.exitCode).toBeUndefined();
  });
});
