import { analyzeEmail } from '../../engine/index.ts';
import { engineOptionsFor } from '../engine-options.ts';
import type { TaskProcessor } from './types.ts';

/** Realtime lane, no network: headers as stamped, links and content heuristics. */
export const quickEmailScan: TaskProcessor = async ({ email, config, signal, reportProgress }) => {
  signal.throwIfAborted();
  await reportProgress(20);
  const options = engineOptionsFor(config, ['parser', 'headers', 'links', 'content']);
  const result = await analyzeEmail({ raw: email }, options, {});
  signal.throwIfAborted();
  await reportProgress(90);
  return result;
};
