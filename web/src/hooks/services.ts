/**
 * What the app's components reach through context: the API client, where the
 * WebSockets live and how to open one. Tests provide their own.
 */
import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client.ts';

/** The part of the browser's WebSocket the hooks use, so tests can hand in their own. */
export interface SocketLike {
  readonly readyState: number;
  readonly protocol: string;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export const openBrowserSocket: SocketFactory = (url, protocols) => new WebSocket(url, protocols);

export interface Services {
  api: ApiClient;
  /** Base of the WebSocket routes, e.g. `ws://host/ws`. */
  wsBase: string;
  createSocket: SocketFactory;
}

export const ServicesContext = createContext<Services | null>(null);

export function useOptionalServices(): Services | null {
  return useContext(ServicesContext);
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices needs a <ServicesContext> above it');
  return services;
}

/** `ws://host/ws` for the page's own host (wss on https). */
export function defaultWsBase(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
