import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { inflateBounded } from '../../src/engine/attachments/inflate.ts';
import { ATTACHMENT_LIMITS } from '../../src/engine/attachments/limits.ts';
import {
  attachment,
  deflateZeros,
  peStub,
  rawZip,
  runAttachments,
  text,
  zip,
} from './attachment-helpers.ts';

const MIB = 1024 * 1024;

describe('when a zip holds a dangerous file', () => {
  it('reports a script inside with its path', async () => {
    const archive = zip({
      'docs/readme.txt': text('hello'),
      'docs/invoice.js': text('WScript.Echo(1)'),
    });
    const { findings, reports } = await runAttachments(
      attachment('invoice.zip', archive, 'application/zip'),
    );
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([
      ['attachments.script', 'invoice.zip!/docs/invoice.js'],
    ]);
    expect(reports[0]?.verdict).toBe('malicious');
    expect(reports[0]?.findings).toEqual(['attachments.script']);
  });

  it('follows nested zips and names the whole path', async () => {
    const inner = zip({ 'payload.pdf.exe': peStub() });
    const outer = zip({ 'inner/files.zip': inner });
    const { findings } = await runAttachments(attachment('outer.zip', outer));
    expect(findings.map((f) => f.evidence)).toContain(
      'outer.zip!/inner/files.zip!/payload.pdf.exe',
    );
    expect(findings.map((f) => f.id)).toEqual(
      expect.arrayContaining(['attachments.double_extension', 'attachments.executable']),
    );
  });

  it('stops opening archives past the depth limit', async () => {
    let nested = zip({ 'payload.exe': peStub() });
    for (let i = 0; i < ATTACHMENT_LIMITS.maxArchiveDepth; i++)
      nested = zip({ [`level${i}.zip`]: nested });
    const { ids } = await runAttachments(attachment('deep.zip', nested));
    expect(ids).toContain('attachments.archive_too_deep');
    expect(ids).not.toContain('attachments.executable');
  });

  it('leaves an archive of harmless files clean', async () => {
    const archive = zip({ 'a.txt': text('one'), 'b/c.txt': text('two') });
    const { ids } = await runAttachments(attachment('files.zip', archive));
    expect(ids).toEqual([]);
  });
});

describe('when a zip is a decompression bomb', () => {
  it('refuses an entry that declares more than the budget, without inflating it', async () => {
    const declared = 200 * MIB;
    const bomb = rawZip([
      { name: 'zeros.bin', data: deflateZeros(declared), method: 8, uncompressedSize: declared },
    ]);
    expect(bomb.length).toBeLessThan(2 * MIB);
    const { findings, reports } = await runAttachments(attachment('bomb.zip', bomb));
    expect(findings.map((f) => f.id)).toEqual(['attachments.archive_bomb']);
    expect(findings[0]?.evidence).toContain('zeros.bin: declares 209715200 bytes');
    expect(reports[0]?.verdict).not.toBe('clean');
  });

  it('refuses an honest entry with an absurd compression ratio', async () => {
    const declared = 8 * MIB;
    const bomb = rawZip([
      {
        name: 'zeros.bin',
        data: deflateSync(new Uint8Array(declared)),
        method: 8,
        uncompressedSize: declared,
      },
    ]);
    const { findings } = await runAttachments(attachment('ratio.zip', bomb));
    expect(findings[0]?.evidence).toMatch(/compression ratio \d+:1/);
  });

  it('stops inflating an entry that lies about its size', async () => {
    const bomb = rawZip([
      { name: 'small.txt', data: deflateZeros(50 * MIB), method: 8, uncompressedSize: 1024 },
    ]);
    const { findings } = await runAttachments(attachment('liar.zip', bomb));
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([
      ['attachments.archive_bomb', 'liar.zip: small.txt: expands past its declared 1024 bytes'],
    ]);
  });

  it('stops at the entry limit', async () => {
    const files = Object.fromEntries(
      Array.from({ length: ATTACHMENT_LIMITS.maxArchiveEntries + 5 }, (_, i) => [
        `f${i}.txt`,
        text('x'),
      ]),
    );
    const { findings } = await runAttachments(attachment('many.zip', zip(files)));
    expect(findings.map((f) => f.id)).toEqual(['attachments.archive_bomb']);
    expect(findings[0]?.evidence).toContain('1005 entries');
  });
});

describe('inflateBounded', () => {
  it('gives up as soon as the output passes its cap', () => {
    const result = inflateBounded(deflateZeros(64 * MIB), MIB, 'raw');
    expect(result.status).toBe('too_large');
  });

  it('reports truncated data as corrupt', () => {
    const data = deflateSync(text('hello hello hello world'.repeat(50)));
    expect(inflateBounded(data.subarray(0, data.length - 4), MIB, 'raw').status).toBe('corrupt');
  });

  it('inflates what fits', () => {
    const result = inflateBounded(deflateZeros(5000), 5000, 'raw');
    expect(result).toEqual({ status: 'ok', bytes: new Uint8Array(5000) });
  });
});

describe('encrypted and unreadable archives', () => {
  it('reports an encrypted entry and still judges its name', async () => {
    const archive = rawZip([
      {
        name: 'invoice.exe',
        data: new Uint8Array(64),
        method: 8,
        uncompressedSize: 100,
        flags: 0x0001,
      },
    ]);
    const { ids } = await runAttachments(attachment('secure.zip', archive));
    expect(ids).toEqual(['attachments.encrypted_archive', 'attachments.executable']);
  });

  it('reports a zip without a central directory as malformed', async () => {
    const archive = zip({ 'a.txt': text('hello') });
    const { ids } = await runAttachments(
      attachment('broken.zip', archive.subarray(0, archive.length - 30)),
    );
    expect(ids).toEqual(['attachments.malformed']);
  });

  it('reports a RAR archive as not inspected', async () => {
    const rar = Uint8Array.of(
      0x52,
      0x61,
      0x72,
      0x21,
      0x1a,
      0x07,
      0x01,
      0x00,
      ...new Uint8Array(64),
    );
    const { ids } = await runAttachments(attachment('files.rar', rar));
    expect(ids).toEqual(['attachments.archive_unsupported']);
  });
});

describe('the per-email budget', () => {
  it('is shared by all attachments of one email', async () => {
    // Stored (uncompressed) zeros: no ratio to object to, only size.
    const size = 55 * MIB;
    const archive = rawZip([
      { name: 'data.bin', data: new Uint8Array(size), method: 0, uncompressedSize: size },
    ]);
    const { reports, findings } = await runAttachments(
      attachment('a.zip', archive),
      attachment('b.zip', archive),
    );
    expect(reports.map((r) => r.findings)).toEqual([[], ['attachments.archive_bomb']]);
    expect(findings[0]?.evidence).toContain('b.zip: data.bin: declares');
  });
});
