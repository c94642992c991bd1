/**
 * What a file name alone gives away: its real extension, a decoy extension
 * before it, and bidirectional-override tricks that reverse what is shown.
 */
import type { Finding } from '../../contracts/analysis-result.ts';
import { attachmentFinding } from './findings.ts';
import { type FileKind, isDangerousKind, kindOfExtension } from './file-kinds.ts';

/** Right-to-left and left-to-right overrides: "invoice\u202Efdp.exe" shows as "invoiceexe.pdf". */
const BIDI_OVERRIDES = /[\u202d\u202e]/;
/** Characters that change how a name displays without being visible themselves. */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
const INVISIBLE = /[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Kinds a victim expects to open safely, so a dangerous extension hides behind them. */
const DECOY_KINDS: ReadonlySet<FileKind> = new Set([
  'office',
  'pdf',
  'image',
  'media',
  'text',
  'archive',
]);

/** The name as an analyst should read it: invisible characters spelled out. */
export function displayName(name: string): string {
  return name.replace(
    INVISIBLE,
    (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`,
  );
}

/** The base name's segments, as Windows reads them: invisible marks gone, trailing dots and spaces dropped. */
function nameSegments(name: string): string[] {
  const base = name.split(/[/\\]/).pop() ?? '';
  const visible = base.replace(INVISIBLE, '').replace(/[.\s]+$/, '');
  return visible.split('.').map((segment) => segment.trim().toLowerCase());
}

export function extensionOf(name: string | null): string | null {
  if (name === null) return null;
  const segments = nameSegments(name);
  return segments.length > 1 ? (segments.at(-1) ?? null) : null;
}

export function fileNameFindings(name: string, evidence: string): Finding[] {
  const findings: Finding[] = [];
  if (BIDI_OVERRIDES.test(name)) findings.push(attachmentFinding('rtlo_filename', evidence));
  if (hasDecoyExtension(name)) findings.push(attachmentFinding('double_extension', evidence));
  return findings;
}

function hasDecoyExtension(name: string): boolean {
  const segments = nameSegments(name);
  if (segments.length < 3) return false;
  const real = kindOfExtension(segments.at(-1) ?? null);
  const decoy = kindOfExtension(segments.at(-2) ?? null);
  return real !== null && isDangerousKind(real) && decoy !== null && DECOY_KINDS.has(decoy);
}
