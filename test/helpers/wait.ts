import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `read` until `done` holds, failing after `timeoutMs` with the last value seen. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    }
    await sleep(intervalMs);
  }
}
