#!/usr/bin/env node
import { coerceError, isAppError } from '../lib/errors.ts';
import { apiCommand } from './commands/api.ts';
import { healthcheckCommand } from './commands/healthcheck.ts';
import { intelCommand } from './commands/intel.ts';
import { loadtestCommand } from './commands/loadtest.ts';
import { scanCommand } from './commands/scan.ts';
import { schedulerCommand } from './commands/scheduler.ts';
import { smokeCommand } from './commands/smoke.ts';
import { startCommand } from './commands/start.ts';
import { supervisorCommand } from './commands/supervisor.ts';
import { tokenCommand } from './commands/token.ts';
import { workerCommand } from './commands/worker.ts';
import { applySecretFiles } from './secret-files.ts';

const USAGE = `usage: phishnet <command> [options]

commands:
  start                      API, scheduler and supervisor on this machine (what npm start runs)
  api                        the HTTP and WebSocket API
  worker [--queues a,b] [--concurrency N]
                             a worker process for the given lanes
  supervisor                 this host's worker processes, scaled on queue depth
                             (PHISHNET_MIN_WORKERS..PHISHNET_MAX_WORKERS; POST /api/v1/workers/scale)
  scheduler                  the periodic tasks
  scan FILE.eml|DIR|- [--json]
                             analyse emails locally, without Redis (exit 0 clean, 1 suspicious or worse)
  intel load FILE --format F [--source NAME] | intel stats
                             threat-feed indicators
  healthcheck [--role api|start|worker|scheduler]
                             exit 0 when this container's PhishNet process is healthy (for probes)
  token --sub USER --role analyst|admin [--ttl 8h]
                             print a bearer token signed with PHISHNET_JWT_SECRET
  smoke [--base-url URL] [--token JWT]
                             check a running PhishNet end to end (exit 0 all passed, 1 a check failed)
  loadtest --jobs N [--bulk|--single] [--batch-size N] [--analysis-type T] [--output FILE.json]
           [--base-url URL] [--token JWT]
                             submit N jobs to a running PhishNet, wait for all, report throughput and latency
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  start: startCommand,
  api: apiCommand,
  worker: workerCommand,
  supervisor: supervisorCommand,
  scheduler: schedulerCommand,
  scan: scanCommand,
  intel: intelCommand,
  healthcheck: healthcheckCommand,
  token: tokenCommand,
  smoke: smokeCommand,
  loadtest: loadtestCommand,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`phishnet: unknown command "${name}"\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  // Secrets given as files (PHISHNET_JWT_SECRET_FILE, REDIS_PASSWORD_FILE, …) become values once, here.
  applySecretFiles(process.env);
  await command(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const error = coerceError(err);
  // Expected problems get one clear line; anything else its stack.
  process.stderr.write(
    `phishnet: ${isAppError(error) ? error.message : (error.stack ?? error.message)}\n`,
  );
  process.exitCode = 1;
});
