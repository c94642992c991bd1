import { runEngine } from './run-engine.ts';
import type { TaskProcessor } from './types.ts';

/** True types, archives opened within limits, macros, PDF actions, hashes against the feeds. */
export const deepAttachmentScan: TaskProcessor = (context) =>
  runEngine(context, ['parser', 'attachments', 'intel']);
