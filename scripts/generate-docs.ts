/**
 * Regenerates the files that mirror code: `.env.example` and
 * `docs/configuration.md` from the config schema, `docs/errors.md` from the
 * error registry. Tests fail when they drift. Run with `npm run docs`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';
import { describeEnv } from '../src/config/config.ts';
import { ERROR_CODES } from '../src/contracts/error-codes.ts';
import { PACKAGE_ROOT } from '../src/worker/adapters/model.ts';

export function envExample(): string {
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

export function errorsDoc(): string {
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

/** A Markdown table cell: pipes would end it. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function configurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/env-schema.ts by `npm run docs`; a test fails when it drifts. -->',
    '',
    'PhishNet reads its configuration from environment variables only, once, at start: every',
    'invalid value is reported together, naming the variable, and the process stops. An empty',
    'variable counts as unset. [`.env.example`](../.env.example) lists the same variables as a file',
    'to copy. Secrets (`REDIS_URL` with its password, the JWT secret, `PHISHNET_METRICS_TOKEN`)',
    'belong in a secret store, not in that file: see [production.md](production.md).',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...describeEnv().map(
      (variable) =>
        `| \`${variable.name}\` | ${variable.default === '' ? '(unset)' : `\`${cell(variable.default)}\``} | ${cell(variable.description)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function main(): void {
  writeFileSync(join(PACKAGE_ROOT, '.env.example'), envExample());
  writeFileSync(join(PACKAGE_ROOT, 'docs', 'errors.md'), errorsDoc());
  writeFileSync(join(PACKAGE_ROOT, 'docs', 'configuration.md'), configurationDoc());
  process.stdout.write('wrote .env.example, docs/errors.md and docs/configuration.md\n');
}

// Only when run, so that tests can import the generators.
if (argv[1] !== undefined && import.meta.url === pathToFileURL(argv[1]).href) main();
