import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/config.ts';
import { FEED_FORMATS, type FeedFormat, parseFeed } from '../../engine/intel/feeds.ts';
import type { ParsedIndicator } from '../../engine/intel/normalize.ts';
import { INTEL_KINDS, IntelStore } from '../../jobs/intel-store.ts';
import { connectRedis, createRedis } from '../../jobs/redis.ts';
import { AppError, coerceError, isAppError } from '../../lib/errors.ts';
import { resolveRedis } from '../local-redis.ts';

export const INTEL_USAGE = `usage: phishnet intel load FILE --format ${FEED_FORMATS.join('|')} [--source NAME]
       phishnet intel stats`;

type IntelRequest =
  | {
      action: 'load';
      file: string;
      source: string;
      indicators: ParsedIndicator[];
      skipped: number;
    }
  | { action: 'stats' };

/**
 * `phishnet intel load FILE --format F [--source NAME]` loads a feed file into the shared
 * intel store; `phishnet intel stats` prints what it holds. Bad usage, or a file that cannot
 * be read or is not a feed of its format, is one line on stderr and exit code 2; the file is
 * read and parsed in full before Redis is touched, so nothing is ever loaded half-parsed.
 */
export async function intelCommand(argv: string[]): Promise<void> {
  let request: IntelRequest | 'help';
  try {
    request = await readRequest(argv);
  } catch (err) {
    const error = coerceError(err);
    if (!isAppError(error, 'CONFIG_INVALID')) throw error;
    process.stderr.write(`phishnet intel: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (request === 'help') {
    process.stdout.write(`${INTEL_USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const resolved = await resolveRedis(config);
  const redis = createRedis(resolved.url, 'producer', 'phishnet-intel');
  try {
    await connectRedis(redis);
    const store = new IntelStore(redis, config.prefix);
    if (request.action === 'load') {
      const { added, total } = await store.load(request.indicators, request.source);
      process.stdout.write(
        `loaded ${request.indicators.length} indicators (${request.skipped} skipped) from ${request.file}\n` +
          `${added} new; the store holds ${total}\n`,
      );
    } else {
      const counts = await store.counts();
      const total = INTEL_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
      const rows: [string, number][] = [
        ...INTEL_KINDS.map((kind): [string, number] => [kind, counts[kind]]),
        ['total', total],
        ['version', await store.version()],
      ];
      process.stdout.write(rows.map(([name, n]) => `${name.padEnd(8)} ${n}\n`).join(''));
    }
  } finally {
    await redis.quit().catch(() => undefined);
    await resolved.stop();
  }
}

async function readRequest(argv: string[]): Promise<IntelRequest | 'help'> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === 'help') return 'help';
  if (action === 'stats') {
    parseFlags(rest, {});
    return { action: 'stats' };
  }
  if (action !== 'load') {
    throw usageError(
      action === undefined ? 'missing subcommand' : `unknown subcommand "${action}"`,
    );
  }
  const { values, positionals } = parseFlags(rest, {
    format: { type: 'string' },
    source: { type: 'string' },
  });
  const [file, ...extra] = positionals;
  if (file === undefined) throw usageError('load: missing FILE');
  if (extra.length > 0) throw usageError(`load: unexpected argument "${extra.join(' ')}"`);
  const format = parseFormat(values.format);
  const source = values.source ?? basename(file);
  if (typeof source !== 'string' || source.trim() === '') {
    throw usageError('--source: expected a non-empty name');
  }
  const parsed = parseFeed(await readText(file), format);
  if (parsed.errors.length > 0) {
    throw new AppError(
      'CONFIG_INVALID',
      `${file} is not a ${format} feed: ${parsed.errors.join('; ')}`,
    );
  }
  return { action: 'load', file, source, indicators: parsed.indicators, skipped: parsed.skipped };
}

type FlagSpec = Record<string, { type: 'string' }>;

function parseFlags(args: string[], options: FlagSpec) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (cause) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or incomplete flags.
    throw usageError(coerceError(cause).message, cause);
  }
}

function parseFormat(value: string | boolean | undefined): FeedFormat {
  if (value === undefined)
    throw usageError(`load: --format is required (${FEED_FORMATS.join(', ')})`);
  const format = FEED_FORMATS.find((candidate) => candidate === value);
  if (format === undefined) {
    throw usageError(
      `--format: unknown format "${String(value)}"; choose from ${FEED_FORMATS.join(', ')}`,
    );
  }
  return format;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new AppError('CONFIG_INVALID', `cannot read ${file} (${code})`, { cause });
  }
}

function usageError(problem: string, cause?: unknown): AppError {
  return new AppError('CONFIG_INVALID', `${problem} (see phishnet intel --help)`, { cause });
}
