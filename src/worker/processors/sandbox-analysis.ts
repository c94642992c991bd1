import type { AnalysisResult, Finding } from '../../contracts/analysis-result.ts';
import { mergeResults, parseEmail, type EngineOptions } from '../../engine/index.ts';
import { analyzeInSandbox } from '../adapters/sandbox.ts';
import {
  httpSandboxProvider,
  type SandboxProvider,
  type SandboxReport,
} from '../adapters/sandbox-provider.ts';
import { engineOptionsFor } from '../engine-options.ts';
import type { TaskContext, TaskProcessor } from './types.ts';

export const SANDBOX_MEMORY_MB = 256;
/** Attachments sent to the external sandbox per email; the note counts those left out. */
export const MAX_DETONATED = 10;

/**
 * Attachment analysis in an isolated process with memory and time limits; then, when an
 * external sandbox is configured (PHISHNET_SANDBOX_URL), each attachment is run there too.
 * Without one, the result says plainly that nothing was executed.
 */
export const sandboxAnalysis: TaskProcessor = async (context) => {
  await context.reportProgress(10);
  const options = engineOptionsFor(context.config, ['parser', 'attachments']);
  const isolated = await analyzeInSandbox(context.email, options, {
    memoryMb: SANDBOX_MEMORY_MB,
    signal: context.signal,
  });
  const result: AnalysisResult = { ...isolated, analyzers: [...isolated.analyzers, 'sandbox'] };
  const endpoint = context.config.providers.sandbox;
  if (endpoint === undefined) {
    await context.reportProgress(90);
    return mergeResults([result], options.thresholds, [staticNote(result)]);
  }
  return detonate(context, options, result, httpSandboxProvider(endpoint));
};

function staticNote(result: AnalysisResult): Finding {
  return {
    id: 'sandbox.static_isolation',
    analyzer: 'sandbox',
    severity: 'info',
    score: 0,
    evidence: `${result.attachments.length} attachment(s), ${SANDBOX_MEMORY_MB} MB heap limit`,
    explanation:
      'Static analysis in an isolated process; no external (dynamic) sandbox is configured, so nothing was executed.',
  };
}

/**
 * Each attachment through the external sandbox, one at a time (a sandbox is a scarce
 * machine). The email is parsed here for the attachments' bytes: the parser is bounded and
 * never throws, which is what the isolated process guards the rest of the analysis for.
 */
export async function detonate(
  context: TaskContext,
  options: EngineOptions,
  isolated: AnalysisResult,
  sandbox: SandboxProvider,
): Promise<AnalysisResult> {
  const email = await parseEmail({ raw: context.email }, options.limits, { attachmentBytes: true });
  const attachments = email.attachments.filter((a) => a.content.byteLength > 0);
  const sent = attachments.slice(0, MAX_DETONATED);
  const findings: Finding[] = [];
  const counts = { malicious: 0, suspicious: 0, clean: 0, unknown: 0 };
  for (const [i, attachment] of sent.entries()) {
    context.signal.throwIfAborted();
    const report = await sandbox.detonate(attachment, context.signal);
    counts[report.verdict] += 1;
    const finding = reportFinding(
      sandbox.name,
      attachment.filename ?? `attachment-${i + 1}`,
      report,
    );
    if (finding) findings.push(finding);
    await context.reportProgress(10 + Math.round((80 * (i + 1)) / sent.length));
  }
  const unsent = attachments.length - sent.length;
  findings.push({
    id: 'sandbox.dynamic_analysis',
    analyzer: 'sandbox',
    severity: 'info',
    score: 0,
    evidence:
      `${sandbox.name} ran ${sent.length} attachment(s): ${counts.malicious} malicious, ${counts.suspicious} suspicious, ${counts.clean} clean, ${counts.unknown} undecided` +
      (unsent > 0 ? `; ${unsent} more not sent (at most ${MAX_DETONATED} per email)` : ''),
    explanation:
      'The attachments were analysed statically in an isolated process, then run in an external sandbox.',
  });
  return mergeResults([isolated], options.thresholds, findings);
}

const REPORT_FINDINGS = {
  malicious: {
    severity: 'critical',
    score: 95,
    explanation: 'An external sandbox ran the attachment and judged it malicious.',
  },
  suspicious: {
    severity: 'medium',
    score: 40,
    explanation: 'An external sandbox ran the attachment and found suspicious behaviour.',
  },
} as const;

function reportFinding(provider: string, filename: string, report: SandboxReport): Finding | null {
  if (report.verdict !== 'malicious' && report.verdict !== 'suspicious') return null;
  const { severity, score, explanation } = REPORT_FINDINGS[report.verdict];
  const details = [
    ...(report.signatures.length > 0 ? [report.signatures.slice(0, 5).join('; ')] : []),
    ...(report.reportUrl ? [`report ${report.reportUrl}`] : []),
  ];
  return {
    id: `sandbox.${report.verdict}`,
    analyzer: 'sandbox',
    severity,
    score,
    evidence: `${provider}: ${filename}${details.length > 0 ? ` (${details.join('; ')})` : ''}`,
    explanation,
  };
}
