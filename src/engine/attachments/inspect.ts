/**
 * One file, top-level or inside an archive: what its name, its true type and
 * its content say. Archives recurse through here, so a payload three zips
 * deep is judged exactly like an attached one.
 */
import type { Finding } from '../../contracts/analysis-result.ts';
import { listEvidence } from '../findings.ts';
import { inspectZip } from './archive.ts';
import { hasBytesAt, latin1 } from './bytes.ts';
import { COMPOUND_SIGNATURE, readCompoundFile } from './compound-file.ts';
import { type DetectedType, detectType } from './detect-type.ts';
import {
  DANGEROUS_KIND_FINDINGS,
  type FileKind,
  isCompatibleKind,
  kindOfExtension,
  kindOfMime,
} from './file-kinds.ts';
import { extensionOf, fileNameFindings } from './filename.ts';
import { attachmentFinding } from './findings.ts';
import { scanHtml } from './html.ts';
import { type InspectedFile, type WorkBudget, evidenceFor } from './inspected-file.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';
import { scanMacroSource } from './macro-rules.ts';
import { remoteRelationships } from './ooxml.ts';
import { scanPdf } from './pdf.ts';
import { findVbaProjects } from './vba.ts';

export interface Inspection {
  detected: DetectedType | null;
  findings: Finding[];
}

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06],
] as const;

export async function inspectFile(file: InspectedFile, budget: WorkBudget): Promise<Inspection> {
  const detected = file.bytes === null ? null : await detectType(file.bytes);
  const findings = [
    ...(file.role === 'file' && file.name !== null
      ? fileNameFindings(file.name, evidenceFor(file))
      : []),
    ...dangerousKindFindings(file, detected),
    ...typeMismatchFindings(file, detected),
    ...(file.bytes === null ? [] : await contentFindings(file, file.bytes, detected, budget)),
  ];
  return { detected, findings };
}

/**
 * Kinds are taken from what decides how the file opens: its extension, and a
 * binary signature; a guess from text or the MIME type only when there is no name.
 */
function openingKinds(file: InspectedFile, detected: DetectedType | null): Set<FileKind> {
  const kinds = new Set<FileKind>();
  if (detected?.source === 'magic') kinds.add(detected.kind);
  if (file.role === 'part') return kinds;
  const byName = kindOfExtension(extensionOf(file.name));
  if (byName !== null) kinds.add(byName);
  if (file.name === null) {
    if (detected !== null) kinds.add(detected.kind);
    const byMime = kindOfMime(file.declaredMime);
    if (byMime !== null) kinds.add(byMime);
  }
  return kinds;
}

function dangerousKindFindings(file: InspectedFile, detected: DetectedType | null): Finding[] {
  return [...openingKinds(file, detected)].flatMap((kind) => {
    const key = DANGEROUS_KIND_FINDINGS[kind];
    // Office packages are full of SVG and XML; only a binary payload among their parts matters.
    if (key === undefined || (file.role === 'part' && kind === 'html')) return [];
    return [attachmentFinding(key, evidenceFor(file))];
  });
}

function typeMismatchFindings(file: InspectedFile, detected: DetectedType | null): Finding[] {
  if (detected === null || file.role === 'part') return [];
  const ext = extensionOf(file.name);
  const claims = [kindOfExtension(ext), kindOfMime(file.declaredMime)];
  const isMismatch = claims.some((kind) => kind !== null && !isCompatibleKind(kind, detected.kind));
  if (!isMismatch) return [];
  const declared = [ext === null ? null : `.${ext}`, file.declaredMime].filter((c) => c !== null);
  return [
    attachmentFinding(
      'type_mismatch',
      evidenceFor(
        file,
        `declared ${declared.join(' / ')}, content is ${detected.ext} (${detected.mime})`,
      ),
    ),
  ];
}

async function contentFindings(
  file: InspectedFile,
  bytes: Uint8Array,
  detected: DetectedType | null,
  budget: WorkBudget,
): Promise<Finding[]> {
  if (ZIP_SIGNATURES.some((signature) => hasBytesAt(bytes, 0, signature))) {
    return inspectZip(
      file,
      bytes,
      budget,
      async (member) => (await inspectFile(member, budget)).findings,
    );
  }
  if (hasBytesAt(bytes, 0, COMPOUND_SIGNATURE)) return compoundFindings(file, bytes);
  if (detected?.ext === 'pdf') return pdfFindings(file, bytes);
  if (detected?.kind === 'archive') {
    return [attachmentFinding('archive_unsupported', evidenceFor(file, `${detected.ext} archive`))];
  }
  if (file.role === 'part' && file.name?.endsWith('.rels') === true)
    return relsFindings(file, bytes);
  if (openingKinds(file, detected).has('html')) return htmlFindings(file, bytes);
  return [];
}

function compoundFindings(file: InspectedFile, bytes: Uint8Array): Finding[] {
  const read = readCompoundFile(bytes);
  if (!read.ok) return [attachmentFinding('malformed', evidenceFor(file, read.reason))];
  return findVbaProjects(read.file).flatMap((project) => {
    const at = (path: string): string => `${evidenceFor(file)}!/${path}`;
    const findings = [attachmentFinding('office_macro', at(project.storage))];
    if (project.error !== null) {
      findings.push(attachmentFinding('malformed', `${at(project.storage)}: ${project.error}`));
    }
    for (const module of project.modules) {
      const { autoexec, suspicious } = scanMacroSource(module.source);
      if (autoexec.length > 0) {
        findings.push(
          attachmentFinding('macro_autoexec', `${at(module.path)}: ${listEvidence(autoexec)}`),
        );
      }
      if (suspicious.length > 0) {
        findings.push(
          attachmentFinding(
            'macro_suspicious',
            `${at(module.path)}: ${listEvidence(suspicious, 6)}`,
          ),
        );
      }
    }
    return findings;
  });
}

function pdfFindings(file: InspectedFile, bytes: Uint8Array): Finding[] {
  const { actions, uris } = scanPdf(bytes);
  return [...actions].map(([key, spelling]) =>
    attachmentFinding(key, evidenceFor(file, key === 'pdf_uri' ? listEvidence(uris) : spelling)),
  );
}

function relsFindings(file: InspectedFile, bytes: Uint8Array): Finding[] {
  return remoteRelationships(latin1(bytes, ATTACHMENT_LIMITS.maxRelsBytes)).map(
    ({ type, target }) =>
      attachmentFinding('office_remote_template', evidenceFor(file, `${type} → ${target}`)),
  );
}

function htmlFindings(file: InspectedFile, bytes: Uint8Array): Finding[] {
  const { hasCredentialForm, hasSmuggling } = scanHtml(
    latin1(bytes, ATTACHMENT_LIMITS.htmlScanBytes),
  );
  return [
    ...(hasCredentialForm ? [attachmentFinding('html_credential_form', evidenceFor(file))] : []),
    ...(hasSmuggling ? [attachmentFinding('html_smuggling', evidenceFor(file))] : []),
  ];
}
