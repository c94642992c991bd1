import * as CFB from 'cfb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCompoundFile } from '../../src/engine/attachments/compound-file.ts';
import { decompressOvba } from '../../src/engine/attachments/ovba.ts';
import { scanMacroSource } from '../../src/engine/attachments/macro-rules.ts';
import {
  HARMLESS_MACRO,
  MALICIOUS_MACRO,
  attachment,
  compressOvbaLiterals,
  docm,
  docx,
  legacyDoc,
  runAttachments,
  settingsRels,
  text,
} from './attachment-helpers.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('MS-OVBA decompression', () => {
  // The worked examples of MS-OVBA section 3.2.
  it('decodes the spec example without copy tokens', () => {
    const compressed = hex(
      '01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E',
    );
    expect(decode(decompressOvba(compressed, 4096))).toBe('abcdefghijklmnopqrstuv.');
  });

  it('decodes the spec example with copy tokens', () => {
    const compressed = hex(
      '01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C',
    );
    expect(decode(decompressOvba(compressed, 4096))).toBe(
      '#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa',
    );
  });

  it('round-trips literal-only compression', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        expect(decompressOvba(compressOvbaLiterals(data), 1 << 20)).toEqual(data);
      }),
    );
  });

  it('never produces more than asked, and never loops, on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (tail) => {
        try {
          expect(decompressOvba(Uint8Array.of(1, ...tail), 10_000).length).toBeLessThanOrEqual(
            10_000,
          );
        } catch (error) {
          expect((error as Error).name).toBe('MalformedFileError');
        }
      }),
    );
  });
});

describe('the compound file reader', () => {
  it('reads what the cfb package writes, small and large streams alike', () => {
    const cfb = CFB.utils.cfb_new();
    CFB.utils.cfb_add(cfb, '/Macros/VBA/dir', Buffer.from('tiny'));
    CFB.utils.cfb_add(cfb, '/Macros/VBA/Module1', Buffer.alloc(9000, 0x41));
    CFB.utils.cfb_add(cfb, '/WordDocument', Buffer.from('body'));
    const read = readCompoundFile(new Uint8Array(CFB.write(cfb, { type: 'buffer' }) as Buffer));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect([...read.file.streams].sort()).toEqual(
      expect.arrayContaining(['Macros/VBA/Module1', 'Macros/VBA/dir', 'WordDocument']),
    );
    expect(decode(read.file.read('Macros/VBA/dir') ?? new Uint8Array())).toBe('tiny');
    expect(read.file.read('Macros/VBA/Module1')?.length).toBe(9000);
    expect(read.file.read('nope')).toBeNull();
  });

  it('reports a looping FAT chain instead of following it', () => {
    const bytes = legacyDoc();
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const firstFatSector = view.getUint32(76, true);
    const directoryStart = view.getUint32(48, true);
    // Point the directory's chain at itself.
    view.setUint32(512 * (firstFatSector + 1) + 4 * directoryStart, directoryStart, true);
    expect(readCompoundFile(bytes)).toEqual({
      ok: false,
      reason: 'broken or looping sector chain',
    });
  });

  it('never throws on damaged files', () => {
    const original = legacyDoc([MALICIOUS_MACRO]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(original.length - 1), fc.nat(255)), { maxLength: 20 }),
        (edits) => {
          const bytes = original.slice();
          for (const [at, value] of edits) bytes[at] = value;
          const read = readCompoundFile(bytes);
          if (read.ok)
            for (const path of read.file.streams) {
              try {
                read.file.read(path);
              } catch (error) {
                expect((error as Error).name).toBe('MalformedFileError');
              }
            }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('macro rules', () => {
  it('finds auto-run procedures and suspicious calls', () => {
    expect(scanMacroSource(MALICIOUS_MACRO.source)).toEqual({
      autoexec: ['AutoOpen'],
      suspicious: ['Shell', 'PowerShell'],
    });
  });

  it('counts Chr() only in bulk', () => {
    const few = 'x = Chr(65) & Chr(66)';
    const many = Array.from({ length: 12 }, (_, i) => `Chr(${65 + i})`).join(' & ');
    expect(scanMacroSource(few).suspicious).toEqual([]);
    expect(scanMacroSource(many).suspicious).toEqual(['Chr obfuscation']);
  });
});

describe('Office documents with macros', () => {
  it('reports a legacy .doc with AutoOpen and Shell', async () => {
    const { findings, reports } = await runAttachments(
      attachment('Invoice.doc', legacyDoc([MALICIOUS_MACRO])),
    );
    expect(findings.map((f) => [f.id, f.severity, f.evidence])).toEqual([
      ['attachments.office_macro', 'medium', 'Invoice.doc!/Macros/VBA'],
      ['attachments.macro_autoexec', 'critical', 'Invoice.doc!/Macros/VBA/Module1: AutoOpen'],
      [
        'attachments.macro_suspicious',
        'high',
        'Invoice.doc!/Macros/VBA/Module1: Shell, PowerShell',
      ],
    ]);
    expect(reports[0]?.verdict).toBe('malicious');
  });

  it('reports macros in a .docm through its vbaProject.bin', async () => {
    const { findings } = await runAttachments(attachment('Report.docm', docm([MALICIOUS_MACRO])));
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([
      ['attachments.office_macro', 'Report.docm!/word/vbaProject.bin!/VBA'],
      ['attachments.macro_autoexec', 'Report.docm!/word/vbaProject.bin!/VBA/Module1: AutoOpen'],
      [
        'attachments.macro_suspicious',
        'Report.docm!/word/vbaProject.bin!/VBA/Module1: Shell, PowerShell',
      ],
    ]);
  });

  it('reports a harmless macro only as a macro', async () => {
    const { ids } = await runAttachments(attachment('Table.doc', legacyDoc([HARMLESS_MACRO])));
    expect(ids).toEqual(['attachments.office_macro']);
  });

  it('leaves a .doc without macros clean', async () => {
    const { ids } = await runAttachments(attachment('Letter.doc', legacyDoc()));
    expect(ids).toEqual([]);
  });

  it('reports a compound file it cannot read as malformed', async () => {
    const bytes = legacyDoc().slice(0, 700);
    const { ids } = await runAttachments(attachment('Cut.doc', bytes));
    expect(ids).toEqual(['attachments.malformed']);
  });
});

describe('remote templates in OOXML', () => {
  it('reports an attachedTemplate loaded over HTTP', async () => {
    const doc = docx({
      'word/_rels/settings.xml.rels': settingsRels('http://203.0.113.5/template.dotm'),
    });
    const { findings } = await runAttachments(attachment('Offer.docx', doc));
    expect(findings.map((f) => [f.id, f.severity, f.evidence])).toEqual([
      [
        'attachments.office_remote_template',
        'critical',
        'Offer.docx!/word/_rels/settings.xml.rels: attachedtemplate → http://203.0.113.5/template.dotm',
      ],
    ]);
  });

  it('ignores a template inside the package', async () => {
    const rels = text(
      Buffer.from(settingsRels('Templates/Normal.dotm'))
        .toString()
        .replace(' TargetMode="External"', ''),
    );
    const { ids } = await runAttachments(
      attachment('Plain.docx', docx({ 'word/_rels/settings.xml.rels': rels })),
    );
    expect(ids).toEqual([]);
  });
});
