import { runEngine } from './run-engine.ts';
import type { TaskProcessor } from './types.ts';

/** Sender, links, addresses and attachment hashes against the feed store. */
export const threatIntelligenceLookup: TaskProcessor = (context) =>
  runEngine(context, ['parser', 'intel']);
