import type { Analyzer, AnalysisResult } from '../../contracts/analysis-result.ts';
import { analyzeEmail } from '../../engine/index.ts';
import type { EnginePorts } from '../../engine/types.ts';
import { engineOptionsFor } from '../engine-options.ts';
import type { TaskContext } from './types.ts';

/** The common shape of the engine tasks: report, analyse with some analyzers, report. */
export async function runEngine(
  context: TaskContext,
  analyzers: readonly Analyzer[],
  ports: EnginePorts = context.ports,
): Promise<AnalysisResult> {
  context.signal.throwIfAborted();
  await context.reportProgress(10);
  const result = await analyzeEmail(
    { raw: context.email },
    engineOptionsFor(context.config, analyzers),
    ports,
  );
  context.signal.throwIfAborted();
  await context.reportProgress(90);
  return result;
}
