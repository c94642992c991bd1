/**
 * The shape every analyzer shares, so `analyze.ts` can run any subset of them.
 */
import type {
  AttachmentReport,
  Authentication,
  Finding,
  LinkReport,
} from '../contracts/analysis-result.ts';
import type { EngineOptions, EnginePorts, ParsedEmail } from './types.ts';

export interface AnalyzerContext {
  options: EngineOptions;
  ports: EnginePorts;
}

export interface AnalyzerOutput {
  findings: Finding[];
  links?: LinkReport[];
  attachments?: AttachmentReport[];
  authentication?: Partial<Authentication>;
}

export type AnalyzerFn = (
  email: ParsedEmail,
  context: AnalyzerContext,
) => AnalyzerOutput | Promise<AnalyzerOutput>;
