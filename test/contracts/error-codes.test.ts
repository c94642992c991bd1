import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/contracts/error-codes.ts';

it('documents every error code with its status in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    expect(doc, code).toContain(`| \`${code}\` | ${status} |`);
  }
});
