/**
 * `phishnet scan FILE.eml… | DIR… | - [--json]`: runs the engine on this machine, without Redis,
 * with every analyzer and the committed model. Offline: no DNS for DKIM, no threat-intel feeds.
 *
 * A directory means every `*.eml` directly inside it (not its subfolders), sorted by name.
 * Exit code: 0 when every email is clean, 1 when any is suspicious or worse, 2 when the scan
 * could not run (bad flag, unreadable file, invalid model or config), with one line on stderr.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ANALYZERS, type AnalysisResult, type Finding } from '../../contracts/analysis-result.ts';
import { loadConfig } from '../../config/config.ts';
import { analyzeEmail } from '../../engine/index.ts';
import { coerceError, isAppError } from '../../lib/errors.ts';
import { loadModel } from '../../worker/adapters/model.ts';
import { engineOptionsFor } from '../../worker/engine-options.ts';

const USAGE = 'usage: phishnet scan [--json] FILE.eml|DIR|- ...';
const STDIN = '-';

interface Input {
  name: string;
  raw: Uint8Array;
}

export const EXIT_CLEAN = 0;
export const EXIT_FLAGGED = 1;
export const EXIT_ERROR = 2;

export async function scanCommand(argv: string[]): Promise<void> {
  let results: { name: string; result: AnalysisResult }[];
  let asJson: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (positionals.length === 0) throw new ScanError(`no file given; ${USAGE}`);
    asJson = values.json;
    const inputs = await readInputs(positionals);
    const options = engineOptionsFor(loadConfig(), ANALYZERS);
    const ports = { model: loadModel() };
    results = [];
    for (const { name, raw } of inputs) {
      results.push({ name, result: await analyzeEmail({ raw }, options, ports) });
    }
  } catch (err) {
    process.stderr.write(`phishnet scan: ${messageOf(err)}\n`);
    process.exitCode = EXIT_ERROR;
    return;
  }
  for (const { name, result } of results) {
    process.stdout.write(
      asJson ? `${JSON.stringify({ file: name, ...result })}\n` : formatResult(name, result),
    );
  }
  process.exitCode = results.some(({ result }) => result.verdict !== 'clean')
    ? EXIT_FLAGGED
    : EXIT_CLEAN;
}

/** A problem with what the user asked for: reported as its message alone. */
class ScanError extends Error {}

function messageOf(err: unknown): string {
  const error = coerceError(err);
  if (error instanceof ScanError || isAppError(error)) return error.message;
  // parseArgs throws TypeErrors with a code (ERR_PARSE_ARGS_UNKNOWN_OPTION, …) and a clear message.
  if ('code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS'))
    return `${error.message}; ${USAGE}`;
  return error.message;
}

async function readInputs(paths: readonly string[]): Promise<Input[]> {
  const inputs: Input[] = [];
  for (const path of paths) {
    if (path === STDIN) {
      inputs.push({ name: '(stdin)', raw: await readStdin() });
      continue;
    }
    for (const file of await filesOf(path)) {
      inputs.push({ name: file, raw: await readOne(file) });
    }
  }
  return inputs;
}

async function filesOf(path: string): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new ScanError(`cannot read ${path}: ${reasonOf(cause)}`);
  });
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.eml'))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(path, name));
}

async function readOne(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (cause) {
    throw new ScanError(`cannot read ${file}: ${reasonOf(cause)}`);
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function reasonOf(cause: unknown): string {
  const error = coerceError(cause);
  return 'code' in error && typeof error.code === 'string' ? error.code : error.message;
}

/** `file: VERDICT (score N)`, why in plain words, then one line per finding, strongest first. */
export function formatResult(name: string, result: AnalysisResult): string {
  const lines = [`${name}: ${result.verdict.toUpperCase()} (score ${Math.round(result.score)})`];
  const byId = new Map(result.findings.map((finding) => [finding.id, finding]));
  const decisive = result.decisive.flatMap((id) => byId.get(id) ?? []);
  if (decisive.length > 0) {
    lines.push(`  why: ${decisive.map((f) => f.explanation.replace(/\.$/, '')).join('; ')}.`);
  } else if (result.verdict === 'clean') {
    lines.push('  why: nothing strong enough to matter was found.');
  }
  const ranked = [...result.findings].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  for (const finding of ranked) lines.push(`  ${findingLine(finding)}`);
  return `${lines.join('\n')}\n`;
}

function findingLine({ severity, score, id, evidence }: Finding): string {
  const shown = evidence.length > 120 ? `${evidence.slice(0, 117)}...` : evidence;
  return `${severity.padEnd(8)} ${String(Math.round(score)).padStart(3)}  ${id}: ${shown}`;
}
