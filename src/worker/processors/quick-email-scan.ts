import { QUICK_ANALYZERS } from '../../engine/index.ts';
import { runEngine } from './run-engine.ts';
import type { TaskProcessor } from './types.ts';

/** Realtime lane, no network: headers as stamped, links and content heuristics. */
export const quickEmailScan: TaskProcessor = (context) => runEngine(context, QUICK_ANALYZERS, {});
