import type { Finding } from '../../contracts/analysis-result.ts';
import { analyzeInSandbox } from '../adapters/sandbox.ts';
import { engineOptionsFor } from '../engine-options.ts';
import type { TaskProcessor } from './types.ts';

export const SANDBOX_MEMORY_MB = 256;

/**
 * Attachment analysis in an isolated process with memory and time limits. No
 * external sandbox is configured, and the result says so rather than pretend.
 */
export const sandboxAnalysis: TaskProcessor = async (context) => {
  await context.reportProgress(10);
  const result = await analyzeInSandbox(
    context.email,
    engineOptionsFor(context.config, ['parser', 'attachments']),
    { memoryMb: SANDBOX_MEMORY_MB, signal: context.signal },
  );
  await context.reportProgress(90);
  const note: Finding = {
    id: 'sandbox.static_isolation',
    analyzer: 'sandbox',
    severity: 'info',
    score: 0,
    evidence: `${result.attachments.length} attachment(s), ${SANDBOX_MEMORY_MB} MB heap limit`,
    explanation:
      'Static analysis in an isolated process; no external (dynamic) sandbox is configured, so nothing was executed.',
  };
  return {
    ...result,
    findings: [...result.findings, note],
    analyzers: [...result.analyzers, 'sandbox'],
  };
};
