/**
 * The attachment analyzer: hashes, true types, dangerous names and kinds,
 * archives, macros and PDF actions, each attachment judged on its own and
 * all of them within one work budget per email.
 */
import type { AttachmentReport, Finding } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn } from '../analyzer.ts';
import { attachmentFinding } from '../attachments/findings.ts';
import { hashBytes } from '../attachments/hashes.ts';
import { type Inspection, inspectFile } from '../attachments/inspect.ts';
import {
  type InspectedFile,
  type WorkBudget,
  createWorkBudget,
  evidenceFor,
} from '../attachments/inspected-file.ts';
import type { ParsedAttachment, VerdictThresholds } from '../types.ts';
import { decideVerdict } from '../verdict.ts';

export const analyzeAttachments: AnalyzerFn = async (email, context) => {
  const budget = createWorkBudget();
  const findings: Finding[] = [];
  const attachments: AttachmentReport[] = [];
  // One at a time, so peak memory is one attachment's expansion, not all of them.
  for (const [index, attachment] of email.attachments.entries()) {
    const file = topLevelFile(attachment, index);
    const inspection = await inspectSafely(file, budget);
    const own = uniqueFindings(inspection.findings);
    findings.push(...own);
    attachments.push(reportFor(attachment, inspection, own, context.options.thresholds));
  }
  return { findings, attachments };
};

function topLevelFile(attachment: ParsedAttachment, index: number): InspectedFile {
  return {
    path: attachment.filename ?? `attachment-${index + 1}`,
    name: attachment.filename,
    declaredMime: attachment.mimeType,
    bytes: attachment.content,
    depth: 0,
    role: 'file',
  };
}

/** The readers turn broken structure into findings; anything that still escapes is one too. */
async function inspectSafely(file: InspectedFile, budget: WorkBudget): Promise<Inspection> {
  try {
    return await inspectFile(file, budget);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      detected: null,
      findings: [attachmentFinding('malformed', evidenceFor(file, reason))],
    };
  }
}

function uniqueFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.id}\u0000${finding.evidence}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function reportFor(
  attachment: ParsedAttachment,
  inspection: Inspection,
  findings: readonly Finding[],
  thresholds: VerdictThresholds,
): AttachmentReport {
  return {
    filename: attachment.filename,
    declared_type: attachment.mimeType,
    detected_type: inspection.detected?.mime ?? null,
    size_bytes: attachment.content.length,
    ...hashBytes(attachment.content),
    verdict: decideVerdict(findings, thresholds).verdict,
    findings: [...new Set(findings.map((f) => f.id))],
  };
}
