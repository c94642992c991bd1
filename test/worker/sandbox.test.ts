import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { isAppError } from '../../src/lib/errors.ts';
import { analyzeInSandbox } from '../../src/worker/adapters/sandbox.ts';
import { engineOptionsFor } from '../../src/worker/engine-options.ts';
import { fixture } from '../helpers/stack.ts';

const options = engineOptionsFor(loadConfig({}), ['parser', 'attachments']);

/** A message with a large attachment, so the child has real work to do. */
function bigEmail(megabytes: number): Buffer {
  const body = Buffer.alloc(megabytes * 1024 * 1024, 7)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    'From: a@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
      `--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="blob.bin"\r\n\r\n${body}\r\n--b--\r\n`,
  );
}

describe('the sandbox process', () => {
  it('analyses attachments in a child process', async () => {
    const result = await analyzeInSandbox(fixture('attachment-double-extension.eml'), options, {
      memoryMb: 256,
      signal: new AbortController().signal,
    });
    expect(result.findings.map((f) => f.id)).toContain('attachments.double_extension');
  });

  it('is killed when its time runs out', async () => {
    const started = Date.now();
    await expect(
      analyzeInSandbox(bigEmail(20), options, { memoryMb: 512, signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a crash (out of memory) as TASK_SANDBOX_CRASHED', async () => {
    const error: unknown = await analyzeInSandbox(bigEmail(20), options, {
      memoryMb: 8,
      signal: new AbortController().signal,
    }).catch((err: unknown) => err);
    expect(isAppError(error, 'TASK_SANDBOX_CRASHED')).toBe(true);
  });
});
