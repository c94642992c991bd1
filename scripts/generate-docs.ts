/**
 * Regenerates the files that mirror code: `.env.example` from the config
 * schema and `docs/errors.md` from the error registry. Tests fail when they drift.
 * Run with `npm run docs`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnv } from '../src/config/config.ts';
import { ERROR_CODES } from '../src/contracts/error-codes.ts';
import { PACKAGE_ROOT } from '../src/worker/adapters/model.ts';

function envExample(): string {
  const lines = [
    '# PhishNet configuration: every variable, with its default. Copy to .env or set in the environment.',
    '',
  ];
  for (const variable of describeEnv()) {
    lines.push(`# ${variable.description}`);
    lines.push(`${variable.default === '' ? '# ' : ''}${variable.name}=${variable.default}`, '');
  }
  return lines.join('\n');
}

function errorsDoc(): string {
  const lines = [
    '# Errors',
    '',
    'Every error PhishNet reports has a stable code. HTTP responses carry it as',
    '`{ "error": { "code", "message", "details"? }, "requestId" }`; failed jobs carry it in their status',
    'and in `job_failed` WebSocket messages. Branch on the code, never on the message.',
    '',
    '| code | HTTP status | meaning |',
    '|---|---|---|',
    ...Object.entries(ERROR_CODES).map(
      ([code, { status, description }]) => `| \`${code}\` | ${status} | ${description} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

writeFileSync(join(PACKAGE_ROOT, '.env.example'), envExample());
writeFileSync(join(PACKAGE_ROOT, 'docs', 'errors.md'), errorsDoc());
process.stdout.write('wrote .env.example and docs/errors.md\n');
