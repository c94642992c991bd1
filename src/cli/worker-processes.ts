import { fork, type ChildProcess } from 'node:child_process';
import { loadConfig } from '../config/config.ts';
import type { Logger } from '../lib/logger.ts';

const RESTART_DELAY_MS = 1_000;
/** Beyond a worker's own deadline (grace period plus closing), so SIGKILL is the last resort. */
const STOP_MARGIN_MS = 15_000;

export interface WorkerProcessesOptions {
  count: number;
  /** Arguments after `phishnet worker`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** How long a worker may take to stop after SIGTERM; default: its PHISHNET_SHUTDOWN_GRACE_MS plus a margin. */
  stopTimeoutMs?: number;
}

/** Runs `phishnet worker` children and restarts any that die, until stopped. */
export function runWorkerProcesses(options: WorkerProcessesOptions): { stop(): Promise<void> } {
  const children = new Set<ChildProcess>();
  let stopping = false;
  const cli = process.argv[1] ?? '';
  const stopTimeoutMs =
    options.stopTimeoutMs ?? loadConfig(options.env).workers.shutdownGraceMs + STOP_MARGIN_MS;

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
              const kill = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
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
