import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { AppError } from '../../src/lib/errors.ts';
import { createLogger, type LogFormat } from '../../src/lib/logger.ts';
import { formatLogLine } from '../../src/lib/pretty-log.ts';

/** A stream that keeps what is written, and says it is (or is not) a terminal. */
function output(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

function logOnce(format: LogFormat | undefined, isTTY: boolean): string {
  const out = output(isTTY);
  const logger = createLogger({
    level: 'info',
    name: 'api',
    destination: out.stream,
    ...(format === undefined ? {} : { format }),
  });
  logger.info({ port: 8000 }, 'api:listening');
  return out.text();
}

const PRETTY = /^\d\d:\d\d:\d\d INFO {2}api\[\d+\]: api:listening port=8000\n$/;

describe('the log format', () => {
  it('is short lines for people at a terminal, and JSON lines anywhere else, when auto', () => {
    expect(logOnce('auto', true)).toMatch(PRETTY);
    expect(JSON.parse(logOnce('auto', false))).toMatchObject({ msg: 'api:listening', port: 8000 });
  });

  it('is what it is told, terminal or not; JSON when nothing is said', () => {
    expect(logOnce('pretty', false)).toMatch(PRETTY);
    expect(JSON.parse(logOnce('json', true))).toMatchObject({ level: 30, name: 'api' });
    expect(JSON.parse(logOnce(undefined, true))).toMatchObject({ msg: 'api:listening' });
  });

  it('is auto unless PHISHNET_LOG_FORMAT says otherwise', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ PHISHNET_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ PHISHNET_LOG_FORMAT: 'fancy' })).toThrow(/PHISHNET_LOG_FORMAT/);
  });

  it('still blanks credentials when pretty', () => {
    const out = output(true);
    createLogger({ level: 'info', destination: out.stream, format: 'auto' }).info(
      { token: 'secret-token-value' },
      'auth:checked',
    );
    expect(out.text()).toContain('token=[redacted]');
    expect(out.text()).not.toContain('secret-token-value');
  });
});

describe('a pretty log line', () => {
  const at = new Date(2026, 7, 21, 14, 3, 7).getTime();
  const line = (fields: Record<string, unknown>): string =>
    JSON.stringify({ level: 30, time: at, pid: 4242, hostname: 'vm', name: 'worker', ...fields });

  it('reads time, level, process, message, then the fields, quoting only what needs it', () => {
    expect(
      formatLogLine(
        line({
          msg: 'worker:scale:up',
          lanes: ['realtime', 'standard'],
          reason: 'below the minimum',
          backlog: { realtime: 0 },
          ok: true,
        }),
        4242,
      ),
    ).toBe(
      '14:03:07 INFO  worker[4242]: worker:scale:up lanes=realtime,standard reason="below the minimum" backlog={"realtime":0} ok=true',
    );
  });

  it("keeps a child's pid as a field, and drops the host name", () => {
    // A supervisor logs its worker's pid over pino's own: JSON.parse keeps the last.
    const text = formatLogLine(line({ msg: 'worker:process:started', pid: 5151 }), 4242);
    expect(text).toBe('14:03:07 INFO  worker[4242]: worker:process:started pid=5151');
  });

  it("shows Fastify's request lines as the request, the status and the time taken", () => {
    const incoming = line({
      msg: 'incoming request',
      reqId: 'r1',
      req: { method: 'GET', url: '/healthz', host: 'localhost', remotePort: 5555 },
    });
    const completed = line({
      msg: 'request completed',
      reqId: 'r1',
      res: { statusCode: 200 },
      responseTime: 12.4321,
    });
    expect(formatLogLine(incoming, 4242)).toMatch(/incoming request reqId=r1 req="GET \/healthz"$/);
    expect(formatLogLine(completed, 4242)).toMatch(
      /request completed reqId=r1 res=200 responseTime=12ms$/,
    );
  });

  it("puts an error's stack under the line, and its code in it", () => {
    const err = new AppError('QUEUE_UNAVAILABLE', 'Redis went away');
    const out = output(false);
    createLogger({ level: 'info', name: 'api', destination: out.stream, format: 'pretty' }).error(
      { err },
      'api:failed',
    );
    const [head, ...stack] = out.text().trimEnd().split('\n');
    expect(head).toMatch(/ERROR api\[\d+\]: api:failed err\.code=QUEUE_UNAVAILABLE/);
    expect(head).not.toContain('Redis went away');
    expect(stack[0]).toBe('    AppError: Redis went away');
    expect(stack.length).toBeGreaterThan(1);
    expect(stack.every((text) => text.startsWith('    '))).toBe(true);
  });

  it('passes a line that is not JSON through as it is', () => {
    expect(formatLogLine('plain words\n')).toBe('plain words');
  });
});
