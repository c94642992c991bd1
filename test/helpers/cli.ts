import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds first). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects if the process exits first. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export interface RunCliOptions {
  /**
   * A command that ends by exec'ing the one it is given, so the CLI runs
   * elsewhere under the same pid: `['ip', 'netns', 'exec', 'host1']`.
   */
  wrapper?: readonly string[];
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  options: RunCliOptions = {},
): RunningCli {
  const [wrapper, ...wrapperArgs] = options.wrapper ?? [];
  const argv = [CLI, ...args];
  const child = spawn(
    wrapper ?? process.execPath,
    wrapper === undefined ? argv : [...wrapperArgs, process.execPath, ...argv],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for "${text}"\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const check = (): void => {
          if (out.includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `exited with ${String(code)} before "${text}"\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        });
        check();
      });
    },
  };
}
