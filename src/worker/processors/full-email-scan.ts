import { FULL_SCAN_ANALYZERS } from '../../engine/index.ts';
import { runEngine } from './run-engine.ts';
import type { TaskProcessor } from './types.ts';

/** Everything but the attachment deep scan and the sandbox: DKIM over DNS, the model, the feeds. */
export const fullEmailScan: TaskProcessor = (context) => runEngine(context, FULL_SCAN_ANALYZERS);
