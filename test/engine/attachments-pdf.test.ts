import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { scanPdf } from '../../src/engine/attachments/pdf.ts';
import { attachment, latin1Bytes, pdf, runAttachments } from './attachment-helpers.ts';

const asPdf = (bytes: Uint8Array) => attachment('document.pdf', bytes, 'application/pdf');

/** An object stream: its objects live only in compressed form. */
function objectStream(objects: string): string {
  const data = Buffer.from(zlibSync(latin1Bytes(objects))).toString('latin1');
  return `9 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${data.length} >>\nstream\n${data}\nendstream endobj`;
}

describe('PDF actions', () => {
  it('reports an OpenAction that runs JavaScript', async () => {
    const bytes = pdf(
      '4 0 obj << /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >> endobj',
    );
    const { findings, reports } = await runAttachments(asPdf(bytes));
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([
      ['attachments.pdf_open_action', 'document.pdf: /OpenAction'],
      ['attachments.pdf_javascript', 'document.pdf: /JavaScript'],
    ]);
    expect(reports[0]?.verdict).not.toBe('clean');
  });

  it('decodes hex-escaped names and shows how they were spelled', async () => {
    const bytes = pdf('4 0 obj << /S /J#61vaScript /#4AS (x) >> endobj');
    const { findings } = await runAttachments(asPdf(bytes));
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([
      ['attachments.pdf_javascript', 'document.pdf: /J#61vaScript'],
    ]);
  });

  it('reports Launch actions as critical', async () => {
    const { findings } = await runAttachments(
      asPdf(pdf('4 0 obj << /S /Launch /F (cmd.exe) >> endobj')),
    );
    expect(findings.map((f) => [f.id, f.severity])).toEqual([
      ['attachments.pdf_launch', 'critical'],
    ]);
  });

  it('reports embedded files and forms that submit', async () => {
    const bytes = pdf(
      '4 0 obj << /Names << /EmbeddedFiles 5 0 R >> >> endobj',
      '6 0 obj << /S /SubmitForm /F (https://collect.example/login) >> endobj',
    );
    const { ids } = await runAttachments(asPdf(bytes));
    expect(ids).toEqual(['attachments.pdf_embedded_file', 'attachments.pdf_submit_form']);
  });

  it('finds actions hidden in compressed object streams', async () => {
    const bytes = pdf(objectStream('10 0 << /S /JavaScript /JS (this.exportDataObject\\(\\)) >>'));
    const { ids } = await runAttachments(asPdf(bytes));
    expect(ids).toContain('attachments.pdf_javascript');
  });

  it('collects link URIs in literal and hex strings', () => {
    const bytes = pdf(
      '4 0 obj << /S /URI /URI (https://login.example.net/a\\)b) >> endobj',
      '5 0 obj << /S /URI /URI <68747470733A2F2F782E6578616D706C652F> >> endobj',
    );
    expect(scanPdf(bytes).uris).toEqual(['https://login.example.net/a)b', 'https://x.example/']);
  });

  it('reports URIs as information only', async () => {
    const { findings } = await runAttachments(
      asPdf(pdf('4 0 obj << /S /URI /URI (https://example.org/) >> endobj')),
    );
    expect(findings.map((f) => [f.id, f.severity, f.evidence])).toEqual([
      ['attachments.pdf_uri', 'info', 'document.pdf: https://example.org/'],
    ]);
  });

  it('leaves a plain PDF clean', async () => {
    const { ids, reports } = await runAttachments(asPdf(pdf()));
    expect(ids).toEqual([]);
    expect(reports[0]?.verdict).toBe('clean');
  });

  it('ignores chance names inside binary stream data', async () => {
    const bytes = pdf(
      '8 0 obj << /Subtype /Image /Length 12 >>\nstream\n\xff\xd8/JS /AA \x00\nendstream endobj',
    );
    const { ids } = await runAttachments(asPdf(bytes));
    expect(ids).toEqual([]);
  });

  it('survives a corrupt compressed stream', async () => {
    const bytes = pdf(
      '9 0 obj << /Filter /FlateDecode >>\nstream\nx\x9c\x01\x02\x03garbage\nendstream endobj',
    );
    const { ids } = await runAttachments(asPdf(bytes));
    expect(ids).toEqual([]);
  });
});
