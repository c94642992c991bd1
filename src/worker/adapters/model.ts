/**
 * Loads the trained phishing model from disk, for the engine's `ports.model`. The file is
 * validated in full at start-up, so a worker never runs with a half-read model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelFile } from '../../engine/ml/model-file.ts';
import type { PhishingModel } from '../../engine/ml/model.ts';
import { AppError } from '../../lib/errors.ts';

/** The nearest folder holding package.json: the same from `src/` under Vitest and from `dist/`. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const DEFAULT_MODEL_PATH = join(PACKAGE_ROOT, 'models', 'phishing-model.json');

export function loadModel(path: string = DEFAULT_MODEL_PATH): PhishingModel {
  const reading = readModelFile(parseJson(readText(path), path));
  if (!reading.ok) {
    throw new AppError(
      'CONFIG_INVALID',
      `The phishing model ${path} is invalid: ${reading.problems.join('; ')}`,
      {
        details: { path, problems: reading.problems },
      },
    );
  }
  return reading.model;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError(
      'CONFIG_INVALID',
      `The phishing model ${path} cannot be read; train one with \`npm run train\`.`,
      { cause, details: { path } },
    );
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `The phishing model ${path} is not JSON.`, {
      cause,
      details: { path },
    });
  }
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}
