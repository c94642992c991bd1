import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../lib/logger.ts';

const RESTART_DELAY_MS = 1_000;
const STOP_GRACE_MS = 30_000;

export interface WorkerProcessesOptions {
  count: number;
  /** Arguments after `phishnet worker`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** Runs `phishnet worker` children and restarts any that die, until stopped. */
export function runWorkerProcesses(options: WorkerProcessesOptions): { stop(): Promise<void> } {
  const children = new Set<ChildProcess>();
  let stopping = false;
  const cli = process.argv[1] ?? '';

  const launch = (slot: number): void => {
    const child = fork(cli, ['worker', ...options.args], { env: options.env, stdio: 'inherit' });
    children.add(child);
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      options.logger.warn({ slot, code, signal }, 'worker:process:exited');
      setTimeout(() => {
        if (!stopping) launch(slot);
      }, RESTART_DELAY_MS).unref();
    });
  };
  for (let slot = 0; slot < options.count; slot++) launch(slot);

  return {
    async stop() {
      stopping = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((done) => {
              const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
              child.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
