import type { Finding } from '../../contracts/analysis-result.ts';
import { mergeResults } from '../../engine/index.ts';
import type { TaskProcessor } from './types.ts';

/** The flow parent: its children have run; one verdict over all their evidence. */
export const comprehensiveAnalysis: TaskProcessor = async (context) => {
  const { results, failed } = await context.children();
  const missing: Finding[] = Object.entries(failed).map(([child, reason]) => ({
    id: 'flow.part_failed',
    analyzer: 'flow',
    severity: 'info',
    score: 0,
    evidence: `${child}: ${reason}`,
    explanation: 'One part of the comprehensive analysis failed; the verdict rests on the others.',
  }));
  if (results.length === 0) {
    throw new Error(
      `every part of the comprehensive analysis failed: ${Object.keys(failed).join(', ')}`,
    );
  }
  await context.reportProgress(95);
  return mergeResults(results, context.config.engine.thresholds, missing);
};
