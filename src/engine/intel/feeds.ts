/**
 * Threat-feed parsers, pure: text in, normalised indicators out. A line that
 * does not parse completely is skipped and counted, never loaded in part;
 * `errors` is for problems with the feed as a whole.
 */
import { parseCsvLine } from './csv.ts';
import {
  type ParsedIndicator,
  classifyIndicator,
  normalizeHash,
  normalizeUrl,
} from './normalize.ts';

import type { FeedFormat } from '../../contracts/intel.ts';

export { FEED_FORMATS, type FeedFormat } from '../../contracts/intel.ts';

export interface FeedParseResult {
  indicators: ParsedIndicator[];
  skipped: number;
  errors: string[];
}

const PARSERS: Record<FeedFormat, (text: string) => FeedParseResult> = {
  plain: parsePlain,
  urlhaus_csv: parseUrlhausCsv,
  phishtank_json: parsePhishtankJson,
  hash_csv: parseHashCsv,
};

export function parseFeed(text: string, format: FeedFormat): FeedParseResult {
  return PARSERS[format](text);
}

/** Lines with content: blank lines and `#` comments dropped. */
function dataLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Runs `parseLine` over lines; `null` from it means "skip and count". */
function collect(
  lines: readonly string[],
  parseLine: (line: string) => ParsedIndicator[] | null,
): FeedParseResult {
  const result: FeedParseResult = { indicators: [], skipped: 0, errors: [] };
  for (const line of lines) {
    const parsed = parseLine(line);
    if (parsed === null) result.skipped++;
    else result.indicators.push(...parsed);
  }
  return result;
}

/** One URL, domain or IP per line (OpenPhish and most block lists). */
function parsePlain(text: string): FeedParseResult {
  return collect(dataLines(text), (line) => {
    const indicator = classifyIndicator(line);
    return indicator === null ? null : [indicator];
  });
}

/** id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter */
const URLHAUS_COLUMNS = 9;
const URLHAUS_URL_COLUMN = 2;

function parseUrlhausCsv(text: string): FeedParseResult {
  const lines = dataLines(text).filter(
    (line) => !line.startsWith('"id"') && !line.startsWith('id,'),
  );
  return collect(lines, (line) => {
    const fields = parseCsvLine(line);
    if (fields?.length !== URLHAUS_COLUMNS || !/^\d+$/.test(fields[0] ?? '')) return null;
    const url = normalizeUrl(fields[URLHAUS_URL_COLUMN] ?? '');
    return url === null ? null : [{ type: 'url', value: url }];
  });
}

/** PhishTank's JSON dump: an array of entries with `url`; entries marked unverified are skipped. */
function parsePhishtankJson(text: string): FeedParseResult {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    return { indicators: [], skipped: 0, errors: [`not JSON: ${(error as Error).message}`] };
  }
  if (!Array.isArray(entries)) {
    return { indicators: [], skipped: 0, errors: ['expected a JSON array of entries'] };
  }
  const result: FeedParseResult = { indicators: [], skipped: 0, errors: [] };
  for (const entry of entries as unknown[]) {
    const url = phishtankUrl(entry);
    if (url === null) result.skipped++;
    else result.indicators.push({ type: 'url', value: url });
  }
  return result;
}

function phishtankUrl(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { url, verified } = entry as { url?: unknown; verified?: unknown };
  if (typeof url !== 'string' || verified === 'no' || verified === false) return null;
  return normalizeUrl(url);
}

/** Hash columns and the digest length each must have. */
const HASH_COLUMNS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha256_hash', 64],
  ['sha1', 40],
  ['sha1_hash', 40],
  ['md5', 32],
  ['md5_hash', 32],
]);

/**
 * A CSV whose header names sha256/sha1/md5 columns (bare or `_hash`, as
 * MalwareBazaar writes them, whose header is itself a `#` comment).
 */
function parseHashCsv(text: string): FeedParseResult {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const headerIndex = lines.findIndex((line) => hashColumnsOf(headerFields(line)).length > 0);
  if (headerIndex < 0) {
    return { indicators: [], skipped: 0, errors: ['no header with a sha256, sha1 or md5 column'] };
  }
  const header = headerFields(lines[headerIndex] ?? '');
  const columns = hashColumnsOf(header);
  const rows = dataLines(lines.slice(headerIndex + 1).join('\n'));
  return collect(rows, (line) => {
    const fields = parseCsvLine(line);
    return fields?.length === header.length ? hashesOf(fields, columns) : null;
  });
}

/** Every non-empty hash cell of a row, or `null` if any of them is not a digest of its column's length. */
function hashesOf(
  fields: readonly string[],
  columns: readonly HashColumn[],
): ParsedIndicator[] | null {
  const hashes: ParsedIndicator[] = [];
  for (const { index, length } of columns) {
    const cell = fields[index]?.trim() ?? '';
    if (cell === '') continue;
    const hash = normalizeHash(cell);
    if (hash?.length !== length) return null;
    hashes.push({ type: 'hash', value: hash });
  }
  return hashes.length > 0 ? hashes : null;
}

function headerFields(line: string): string[] {
  return (parseCsvLine(line.replace(/^#\s*/, '')) ?? []).map((f) => f.trim().toLowerCase());
}

interface HashColumn {
  index: number;
  length: number;
}

function hashColumnsOf(header: readonly string[]): HashColumn[] {
  return header.flatMap((name, index) => {
    const length = HASH_COLUMNS.get(name);
    return length === undefined ? [] : [{ index, length }];
  });
}
