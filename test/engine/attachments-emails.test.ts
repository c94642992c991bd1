/**
 * The attachment-*.eml fixtures, checked against this analyzer alone: every
 * expected attachments.* finding is there and every absent one is not. The
 * shared fixture runner checks the same files through the whole engine.
 */
import { readFileSync, readdirSync } from 'node:fs';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { analyzeAttachments } from '../../src/engine/analyzers/attachments.ts';
import { attachment, context, emailWith } from './attachment-helpers.ts';

const dir = new URL('../fixtures/emails/', import.meta.url);
const names = readdirSync(dir).filter((f) => /^attachment-.*\.eml$/.test(f));

interface Expected {
  verdict: string | string[];
  findings: string[];
  absent: string[];
}

describe.each(names)('%s', (name) => {
  it('has the attachment findings its expected.json names, and none it rules out', async () => {
    const expected = JSON.parse(
      readFileSync(new URL(name.replace(/\.eml$/, '.expected.json'), dir), 'utf8'),
    ) as Expected;
    const parsed = await PostalMime.parse(readFileSync(new URL(name, dir)));
    const email = emailWith(
      parsed.attachments.map((a) =>
        attachment(a.filename, new Uint8Array(a.content as ArrayBuffer), a.mimeType),
      ),
    );
    const { findings } = await analyzeAttachments(email, context());
    const ids = new Set(findings.map((f) => f.id));
    const mine = (id: string) => id.startsWith('attachments.');
    expect(expected.findings.filter(mine).filter((id) => !ids.has(id))).toEqual([]);
    expect(expected.absent.filter(mine).filter((id) => ids.has(id))).toEqual([]);
    if (expected.verdict === 'clean') expect([...ids]).toEqual([]);
  });
});
