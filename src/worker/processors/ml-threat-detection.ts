import { runEngine } from './run-engine.ts';
import type { TaskProcessor } from './types.ts';

/** The model's probability and the features that drove it. */
export const mlThreatDetection: TaskProcessor = (context) => runEngine(context, ['parser', 'ml']);
