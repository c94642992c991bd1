/**
 * Log lines for a person at a terminal, from the JSON lines pino makes (redaction already done):
 *
 *   14:03:07 INFO  worker[4242]: worker:started lanes=realtime,standard concurrency=4
 *
 * and an error's stack indented under its line. Collectors get pino's JSON unchanged.
 */

const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Pino's own fields: the line's head shows them, or (the host name) nothing does. */
const HEAD_FIELDS: ReadonlySet<string> = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'name',
  'msg',
]);

/** What an error's stack already says. */
const STACK_FIELDS: ReadonlySet<string> = new Set(['type', 'name', 'message', 'stack']);

/** A bare value reads as itself; anything with spaces, quotes or `=` is quoted. */
const BARE = /^[^\s"=]+$/;

/**
 * One pino JSON line as a human line; `pid` is the logging process's own (a `pid` field that
 * differs, such as a child's, stays a field). A line that is not JSON passes through as it is.
 */
export function formatLogLine(line: string, pid: number = process.pid): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line.trimEnd();
  }
  if (!isObject(record)) return line.trimEnd();
  const { time, level, name, msg, err } = record;
  const head = [
    typeof time === 'number' ? clock(time) : '',
    (typeof level === 'number' ? (LEVELS[level] ?? String(level)) : '').padEnd(5),
    `${typeof name === 'string' ? name : 'phishnet'}[${pid}]:`,
    typeof msg === 'string' ? msg : '',
  ];
  const entries = Object.entries(record).filter(
    ([key, value]) => !HEAD_FIELDS.has(key) || (key === 'pid' && value !== pid),
  );
  // An error with a stack shows it below the line; its other fields (a code) stay in the line.
  const fields = entries.flatMap(([key, value]) =>
    key === 'err' && hasStack(value)
      ? Object.entries(value)
          .filter(([errKey]) => !STACK_FIELDS.has(errKey))
          .map(([errKey, errValue]) => `err.${errKey}=${show(errKey, errValue)}`)
      : [`${key}=${show(key, value)}`],
  );
  const text = [...head, ...fields].filter(Boolean).join(' ');
  return hasStack(err) ? `${text}\n${indent(err.stack)}` : text;
}

/** A pino destination that writes each line formatted for people to `out`. */
export function prettyDestination(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line) {
      out.write(`${formatLogLine(line)}\n`);
    },
  };
}

function show(key: string, value: unknown): string {
  // Fastify's request lines: the request and the answer, without the socket details.
  if (key === 'req' && isObject(value)) return `"${String(value.method)} ${String(value.url)}"`;
  if (key === 'res' && isObject(value) && 'statusCode' in value) return String(value.statusCode);
  if (key === 'responseTime' && typeof value === 'number') return `${Math.round(value)}ms`;
  if (typeof value === 'string') return BARE.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && BARE.test(item))) {
    return value.join(',');
  }
  return JSON.stringify(value);
}

function clock(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

function hasStack(err: unknown): err is { stack: string } {
  return isObject(err) && typeof err.stack === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
