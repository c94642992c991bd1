/**
 * Reads the labelled corpus for `train.ts` and `eval.ts`: `manifest.csv` (path, label, source,
 * split) beside one `.eml` file per message, as described in the corpus README.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS, parseEmail, type ParsedEmail } from '../src/engine/index.ts';
import { PACKAGE_ROOT } from '../src/worker/adapters/model.ts';

export const DEFAULT_CORPUS_DIR = join(PACKAGE_ROOT, '..', 'shared', 'corpus');

export type Split = 'train' | 'test';

export interface CorpusEntry {
  path: string;
  isPhishing: boolean;
  source: string;
  split: Split;
}

export interface CorpusMessage extends CorpusEntry {
  raw: Uint8Array;
}

export function readManifest(corpusDir: string): CorpusEntry[] {
  const [header, ...rows] = readFileSync(join(corpusDir, 'manifest.csv'), 'utf8')
    .trim()
    .split('\n');
  if (header?.trim() !== 'path,label,source,split') {
    throw new Error(`${corpusDir}/manifest.csv does not start with path,label,source,split`);
  }
  return rows.map((row, i) => {
    const [path, label, source, split] = row.trim().split(',');
    if (path === undefined || source === undefined || (label !== 'phishing' && label !== 'ham')) {
      throw new Error(`manifest.csv line ${i + 2} is malformed: ${row}`);
    }
    if (split !== 'train' && split !== 'test') {
      throw new Error(`manifest.csv line ${i + 2} has an unknown split: ${row}`);
    }
    return { path, isPhishing: label === 'phishing', source, split };
  });
}

/** The messages of one split, in manifest order. */
export function readSplit(corpusDir: string, split: Split): CorpusMessage[] {
  return readManifest(corpusDir)
    .filter((entry) => entry.split === split)
    .map((entry) => ({ ...entry, raw: readFileSync(join(corpusDir, entry.path)) }));
}

/** sha256 over each message's path, label and bytes, so a model can name the data it saw. */
export function corpusSha256(messages: readonly CorpusMessage[]): string {
  const hash = createHash('sha256');
  for (const { path, isPhishing, raw } of messages) {
    hash.update(`${path}\t${isPhishing ? 'phishing' : 'ham'}\t${raw.byteLength}\n`);
    hash.update(raw);
  }
  return hash.digest('hex');
}

/** Parses as the engine does, so training and serving see the same input. */
export function parseMessage(raw: Uint8Array): Promise<ParsedEmail> {
  return parseEmail({ raw }, DEFAULT_ENGINE_OPTIONS.limits);
}
