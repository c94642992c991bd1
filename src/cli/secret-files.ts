import { readFileSync } from 'node:fs';
import { SECRET_FILE_VARIABLES } from '../config/config.ts';
import { AppError, coerceError } from '../lib/errors.ts';

/**
 * Turns `X_FILE=/run/secrets/x` into `X=<the file's content>` (one trailing
 * newline dropped), so secrets can come from mounted files rather than the
 * environment of an image. Runs once, before any command loads its config;
 * worker processes it starts inherit the value.
 */
export function applySecretFiles(env: NodeJS.ProcessEnv): void {
  for (const [fileVariable, variable] of Object.entries(SECRET_FILE_VARIABLES)) {
    const path = env[fileVariable];
    if (path === undefined || path === '') continue;
    if (env[variable] !== undefined && env[variable] !== '') {
      throw new AppError(
        'CONFIG_INVALID',
        `invalid configuration: both ${variable} and ${fileVariable} are set; give the secret in one place`,
      );
    }
    let value: string;
    try {
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new AppError(
        'CONFIG_INVALID',
        `invalid configuration: ${fileVariable}: cannot read ${path} (${coerceError(err).message})`,
      );
    }
    env[variable] = value;
    // Read once: the config refuses a *_FILE it finds still set.
    Reflect.deleteProperty(env, fileVariable);
  }
}
