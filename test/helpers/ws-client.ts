/**
 * A WebSocket client for tests that records what happened: whether the upgrade
 * was accepted (or the HTTP status it was refused with), every message, and how
 * the connection closed.
 */
import WebSocket, { type ClientOptions } from 'ws';

export interface RecordedSocket {
  socket: WebSocket;
  /** Resolves with 'open', or with the HTTP status of a refused upgrade. */
  opened: Promise<'open' | number>;
  /** Resolves once the connection is closed (never rejects). */
  closed: Promise<{ code: number; reason: string }>;
  messages: Record<string, unknown>[];
  /** Resolves with the first message that `match` accepts. */
  next(
    match: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

export function connect(
  url: string,
  protocols: string[] = [],
  options: ClientOptions = {},
): RecordedSocket {
  const socket = new WebSocket(url, protocols, options);
  const messages: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const check of waiting) check();
  });
  const opened = new Promise<'open' | number>((resolve, reject) => {
    socket.once('open', () => {
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('error', (err) => {
      reject(err);
    });
  });
  opened.catch(() => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const check of waiting) check();
    });
  });
  return {
    socket,
    opened,
    closed,
    messages,
    next(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(
            new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
          );
        }, timeoutMs);
        const check = (): void => {
          const found = messages.find(match);
          if (found) {
            clearTimeout(timer);
            waiting.delete(check);
            resolve(found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            clearTimeout(timer);
            waiting.delete(check);
            reject(new Error(`closed without a matching message; got ${JSON.stringify(messages)}`));
          }
        };
        waiting.add(check);
        check();
      });
    },
  };
}
