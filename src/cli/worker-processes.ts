import { fork } from 'node:child_process';
import { loadConfig } from '../config/config.ts';
import type { Logger } from '../lib/logger.ts';
import type {
  LaunchWorker,
  ManagedWorker,
  WorkerExit,
  WorkerGroup,
} from '../worker/supervisor/supervisor.ts';

/** Beyond a worker's own deadline (grace period plus closing), so SIGKILL is the last resort. */
const STOP_MARGIN_MS = 15_000;

export interface WorkerLauncherOptions {
  env: NodeJS.ProcessEnv;
  /** `--concurrency` of every worker. */
  concurrency: number;
  logger: Logger;
  /** The phishnet CLI to fork; default: the one this process runs. */
  cliPath?: string;
  /** Default `inherit`: the workers' logs go where the supervisor's go. */
  stdio?: 'inherit' | 'ignore';
  /** How long a worker may take to stop after SIGTERM; default: its PHISHNET_SHUTDOWN_GRACE_MS plus a margin. */
  stopTimeoutMs?: number;
}

/**
 * Starts `phishnet worker` children for the supervisor: general ones on every
 * lane, or `--queues <lane>` for a lane's own. Each is forked with an IPC
 * channel, so a worker whose supervisor dies stops too (see commands/worker.ts).
 */
export function createWorkerLauncher(options: WorkerLauncherOptions): LaunchWorker {
  const cli = options.cliPath ?? process.argv[1] ?? '';
  const stopTimeoutMs =
    options.stopTimeoutMs ?? loadConfig(options.env).workers.shutdownGraceMs + STOP_MARGIN_MS;

  return (group: WorkerGroup): ManagedWorker => {
    const args = [
      'worker',
      '--concurrency',
      String(options.concurrency),
      ...(group === 'general' ? [] : ['--queues', group]),
    ];
    // execArgv: [] so a worker never inherits a test runner's or debugger's flags.
    const child = fork(cli, args, {
      env: options.env,
      stdio: options.stdio ?? 'inherit',
      execArgv: [],
    });
    const exited = new Promise<WorkerExit>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
      child.once('error', (err) => {
        // Not started at all: there will be no exit event.
        if (child.pid === undefined) {
          options.logger.error({ err, group }, 'worker:process:spawn_failed');
          resolve({ code: null, signal: null });
        }
      });
    });
    return {
      pid: child.pid,
      group,
      startedAt: Date.now(),
      exited,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const kill = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(kill);
        }
        await exited;
      },
    };
  };
}
