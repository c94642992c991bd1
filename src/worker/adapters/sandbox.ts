import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { AnalysisResult } from '../../contracts/analysis-result.ts';
import type { EngineOptions } from '../../engine/types.ts';
import { AppError } from '../../lib/errors.ts';
import { PACKAGE_ROOT } from './model.ts';

/** The built child: sandboxes run compiled code, also under the test runner. */
export const SANDBOX_CHILD = join(PACKAGE_ROOT, 'dist', 'src', 'worker', 'sandbox', 'child.js');

export interface SandboxLimits {
  memoryMb: number;
  signal: AbortSignal;
}

/**
 * Runs the engine in a child process with its own heap limit; the signal (time
 * limit or cancellation) kills it outright, so the work really stops.
 */
export function analyzeInSandbox(
  email: Uint8Array,
  options: EngineOptions,
  limits: SandboxLimits,
): Promise<AnalysisResult> {
  limits.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = fork(SANDBOX_CHILD, [], {
      execArgv: [`--max-old-space-size=${limits.memoryMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let answered = false;
    const abort = (): void => {
      child.kill('SIGKILL');
      reject(limits.signal.reason as Error);
    };
    limits.signal.addEventListener('abort', abort, { once: true });
    child.once('message', (result: AnalysisResult) => {
      answered = true;
      resolve(result);
    });
    child.once('exit', (code, signal) => {
      limits.signal.removeEventListener('abort', abort);
      if (!answered && !limits.signal.aborted) {
        reject(
          new AppError(
            'TASK_SANDBOX_CRASHED',
            `the sandbox process exited (code ${String(code)}, signal ${String(signal)}) without a result`,
          ),
        );
      }
    });
    child.send({ email, options });
  });
}
