import type { AnalysisResult } from '../../contracts/analysis-result.ts';
import type { TaskPayload } from '../../contracts/queues.ts';
import type { Config } from '../../config/config.ts';
import type { EnginePorts } from '../../engine/types.ts';

/** What a flow parent learns of its children. */
export interface ChildOutcomes {
  results: AnalysisResult[];
  /** The tasks of the children that failed for good, with their reasons. */
  failed: Record<string, string>;
}

/** What a task processor is given: its email, its job's payload, and a way to report. */
export interface TaskContext {
  payload: TaskPayload;
  email: Uint8Array;
  config: Config;
  ports: EnginePorts;
  /** Aborted when the time limit passes or the job is cancelled; processors check it between stages. */
  signal: AbortSignal;
  reportProgress: (percent: number) => Promise<void>;
  children: () => Promise<ChildOutcomes>;
}

export type TaskProcessor = (context: TaskContext) => Promise<AnalysisResult>;
