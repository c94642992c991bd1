/**
 * The true type of a file from its bytes: our own signatures for what matters
 * most here (file-type misses ISO, OneNote and VHD), then file-type, then
 * sniffing of text for scripts and HTML.
 */
import { fileTypeFromBuffer } from 'file-type';
import { hasBytesAt, latin1 } from './bytes.ts';
import { type FileKind, kindOfExtension } from './file-kinds.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';

export interface DetectedType {
  ext: string;
  mime: string;
  kind: FileKind;
  /** `sniff` types are guesses from text, weaker than a binary signature. */
  source: 'magic' | 'sniff';
}

interface Signature {
  ext: string;
  mime: string;
  offset: number | 'end';
  bytes: readonly number[];
}

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

/** `end` means "in the last 512 bytes", where VHD keeps its footer. */
const SIGNATURES: readonly Signature[] = [
  { ext: 'exe', mime: 'application/x-msdownload', offset: 0, bytes: ascii('MZ') },
  { ext: 'elf', mime: 'application/x-elf', offset: 0, bytes: [0x7f, ...ascii('ELF')] },
  { ext: 'macho', mime: 'application/x-mach-binary', offset: 0, bytes: [0xfe, 0xed, 0xfa, 0xce] },
  { ext: 'macho', mime: 'application/x-mach-binary', offset: 0, bytes: [0xfe, 0xed, 0xfa, 0xcf] },
  { ext: 'macho', mime: 'application/x-mach-binary', offset: 0, bytes: [0xce, 0xfa, 0xed, 0xfe] },
  { ext: 'macho', mime: 'application/x-mach-binary', offset: 0, bytes: [0xcf, 0xfa, 0xed, 0xfe] },
  {
    ext: 'lnk',
    mime: 'application/x-ms-shortcut',
    offset: 0,
    bytes: [
      0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x46,
    ],
  },
  {
    // {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, the OneNote revision-store file GUID.
    ext: 'one',
    mime: 'application/onenote',
    offset: 0,
    bytes: [
      0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96,
      0xd3,
    ],
  },
  // ISO 9660 volume descriptors start at sector 16 (0x8000); "CD001" follows the type byte.
  { ext: 'iso', mime: 'application/x-iso9660-image', offset: 0x8001, bytes: ascii('CD001') },
  { ext: 'iso', mime: 'application/x-iso9660-image', offset: 0x8801, bytes: ascii('CD001') },
  { ext: 'iso', mime: 'application/x-iso9660-image', offset: 0x9001, bytes: ascii('CD001') },
  { ext: 'vhdx', mime: 'application/x-vhdx', offset: 0, bytes: ascii('vhdxfile') },
  { ext: 'vhd', mime: 'application/x-vhd', offset: 0, bytes: ascii('conectix') },
  { ext: 'vhd', mime: 'application/x-vhd', offset: 'end', bytes: ascii('conectix') },
];

interface Sniffer {
  ext: string;
  mime: string;
  pattern: RegExp;
}

/** Tried in order on the leading text; HTA before HTML, HTML before bare script. */
const SNIFFERS: readonly Sniffer[] = [
  { ext: 'sh', mime: 'text/x-shellscript', pattern: /^#!/ },
  { ext: 'hta', mime: 'application/hta', pattern: /<hta:application\b/i },
  { ext: 'svg', mime: 'image/svg+xml', pattern: /<svg[\s>]/i },
  {
    ext: 'html',
    mime: 'text/html',
    pattern: /<!doctype\s+html|<(?:html|head|body|script|iframe|form)[\s>]/i,
  },
  {
    ext: 'ps1',
    mime: 'text/x-powershell',
    pattern:
      /\b(?:invoke-expression|invoke-webrequest|new-object\s+(?:system\.)?net\.webclient|start-process|-encodedcommand)\b/i,
  },
  {
    ext: 'vbs',
    mime: 'text/vbscript',
    pattern: /^\s*(?:on\s+error\s+resume\s+next|dim\s+\w+|set\s+\w+\s*=\s*createobject\b)/im,
  },
  {
    ext: 'js',
    mime: 'text/javascript',
    pattern: /\bnew\s+ActiveXObject\s*\(|\bWScript\.(?:CreateObject|Shell|Echo)\b/i,
  },
  { ext: 'bat', mime: 'application/x-bat', pattern: /^\s*@echo\s+off\b/im },
];

export async function detectType(bytes: Uint8Array): Promise<DetectedType | null> {
  return matchSignature(bytes) ?? (await fromFileType(bytes)) ?? sniffText(bytes);
}

function matchSignature(bytes: Uint8Array): DetectedType | null {
  const found = SIGNATURES.find((sig) =>
    sig.offset === 'end'
      ? hasBytesAt(bytes, Math.max(0, bytes.length - 512), sig.bytes)
      : hasBytesAt(bytes, sig.offset, sig.bytes),
  );
  return found ? typeFor(found.ext, found.mime, 'magic') : null;
}

async function fromFileType(bytes: Uint8Array): Promise<DetectedType | null> {
  const result = await fileTypeFromBuffer(bytes);
  if (!result) return null;
  // file-type calls any XML "xml"; the sniffer can tell SVG and XHTML apart.
  if (result.ext === 'xml') return sniffText(bytes) ?? typeFor('xml', result.mime, 'magic');
  return typeFor(result.ext, result.mime, 'magic');
}

function sniffText(bytes: Uint8Array): DetectedType | null {
  const head = bytes.subarray(0, ATTACHMENT_LIMITS.sniffBytes);
  if (head.includes(0)) return null;
  const text = latin1(head);
  const found = SNIFFERS.find((sniffer) => sniffer.pattern.test(text));
  return found ? typeFor(found.ext, found.mime, 'sniff') : null;
}

function typeFor(ext: string, mime: string, source: DetectedType['source']): DetectedType {
  return { ext, mime, kind: kindOfExtension(ext) ?? 'other', source };
}
