/**
 * One WebSocket that stays up: it sends the token as a subprotocol
 * (`['phishnet.bearer', token]`, never in the URL), pings to keep the
 * connection and to notice a dead one, and reconnects with exponential backoff
 * and jitter. Each connection opens the same URL again, so the server
 * subscribes it afresh and starts with the current state: that is the
 * resubscription. It stops for good when a message says there is nothing more
 * to come, or when the server closes with an application code (4000–4999: not
 * found, not allowed), since trying again would not change the answer.
 */
import { useEffect, useEffectEvent, useState } from 'react';
import { useOptionalToken } from './useAuth.ts';
import {
  openBrowserSocket,
  useOptionalServices,
  type SocketFactory,
  type SocketLike,
} from './services.ts';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveSocketOptions {
  /** Full WebSocket URL; null keeps it closed. */
  url: string | null;
  onMessage: (message: unknown) => void;
  /** True for a message after which nothing more will come: the socket closes for good. */
  isFinal?: (message: unknown) => boolean;
  /** Defaults to the signed-in user's token. */
  token?: string | null;
  /** Defaults to the app's (the browser's WebSocket). */
  createSocket?: SocketFactory;
  pingIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface LiveSocket {
  state: ConnectionState;
  isConnected: boolean;
  /** Failed connection attempts since the last open one. */
  retries: number;
  /** Why the socket closed for good, or why the last attempt failed. */
  error: string | null;
}

export const BEARER_PROTOCOL = 'phishnet.bearer';
const PING = JSON.stringify({ type: 'ping' });

export function useLiveSocket(options: LiveSocketOptions): LiveSocket {
  const services = useOptionalServices();
  const contextToken = useOptionalToken();
  const token = options.token === undefined ? contextToken : options.token;
  const createSocket = options.createSocket ?? services?.createSocket ?? openBrowserSocket;
  const { url, pingIntervalMs = 15_000, initialBackoffMs = 500, maxBackoffMs = 15_000 } = options;
  const [status, setStatus] = useState<{ key: string | null } & LiveSocket>({
    key: null,
    state: 'idle',
    isConnected: false,
    retries: 0,
    error: null,
  });
  const onMessage = useEffectEvent((message: unknown) => {
    options.onMessage(message);
  });
  const isFinal = useEffectEvent((message: unknown) => options.isFinal?.(message) ?? false);

  useEffect(() => {
    if (url === null) return;
    const key = url;
    let socket: SocketLike | null = null;
    let stopped = false;
    let retries = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;
    let lastHeardMs = Date.now();
    const report = (state: ConnectionState, error: string | null = null): void => {
      setStatus({ key, state, isConnected: state === 'open', retries, error });
    };

    const detach = (): void => {
      clearInterval(pingTimer);
      if (!socket) return;
      const old = socket;
      socket = null;
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      try {
        old.close(1000, 'done');
      } catch {
        // Closing a socket that never opened can throw in some browsers; it is gone either way.
      }
    };

    const retry = (reason: string): void => {
      detach();
      if (stopped) return;
      retries += 1;
      const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (retries - 1));
      // Full jitter between half and all of the ceiling: clients that dropped together spread out.
      const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
      report('reconnecting', reason);
      retryTimer = setTimeout(connect, delayMs);
    };

    const finish = (state: ConnectionState, error: string | null): void => {
      stopped = true;
      detach();
      report(state, error);
    };

    function connect(): void {
      if (stopped) return;
      let opened: SocketLike;
      try {
        opened = createSocket(url ?? '', token ? [BEARER_PROTOCOL, token] : []);
      } catch (err) {
        retry(err instanceof Error ? err.message : String(err));
        return;
      }
      socket = opened;
      opened.onopen = () => {
        retries = 0;
        lastHeardMs = Date.now();
        report('open');
        pingTimer = setInterval(() => {
          // Two intervals without a word (not even a pong): the connection is dead, not idle.
          if (Date.now() - lastHeardMs > 2 * pingIntervalMs) retry('no answer to ping');
          else opened.send(PING);
        }, pingIntervalMs);
      };
      opened.onmessage = (event: MessageEvent) => {
        lastHeardMs = Date.now();
        let message: unknown;
        try {
          message = JSON.parse(String(event.data)) as unknown;
        } catch {
          return;
        }
        onMessage(message);
        if (isFinal(message)) finish('closed', null);
      };
      opened.onclose = (event: CloseEvent) => {
        if (event.code >= 4000 && event.code < 5000) {
          finish('closed', event.reason || `closed by the server (${event.code})`);
        } else {
          retry(event.reason || `connection lost (${event.code})`);
        }
      };
      opened.onerror = () => {
        // `close` follows every `error`; the retry happens there.
      };
    }

    // The first render of a new URL already reads as `connecting` (see below).
    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      detach();
    };
  }, [url, token, createSocket, pingIntervalMs, initialBackoffMs, maxBackoffMs]);

  // A status left over from another URL says nothing about this one.
  if (url === null) return { state: 'idle', isConnected: false, retries: 0, error: null };
  if (status.key !== url)
    return { state: 'connecting', isConnected: false, retries: 0, error: null };
  return {
    state: status.state,
    isConnected: status.isConnected,
    retries: status.retries,
    error: status.error,
  };
}
