/**
 * What the web tests control: an API client whose every method the test
 * supplies, WebSockets the test opens, feeds and drops, and the providers the
 * app's pages expect.
 */
import { QueryClient } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { ApiError, type ApiClient } from '../../web/src/api/client.ts';
import type { Me } from '../../web/src/api/client.ts';
import { AppProviders } from '../../web/src/components/AppProviders/AppProviders.tsx';
import type { Services, SocketLike } from '../../web/src/hooks/services.ts';
import { TOKEN_STORAGE_KEY } from '../../web/src/hooks/useAuth.ts';
import type { AnalysisResult } from '../../src/contracts/analysis-result.ts';
import type { JobSummary } from '../../src/contracts/api.ts';

export const WS_BASE = 'ws://phishnet.test/ws';

/** A promise the test resolves or rejects when it chooses. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An ApiClient whose unstubbed methods fail loudly, naming themselves. */
export function fakeApi(methods: Partial<ApiClient> = {}): ApiClient {
  return new Proxy({ baseUrl: '/api/v1', ...methods } as ApiClient, {
    get(target, name: string) {
      if (name in target) return Reflect.get(target, name) as unknown;
      if (name === 'then') return undefined;
      return () => Promise.reject(new Error(`the test did not stub api.${name}`));
    },
  });
}

export function apiError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, code, message, { requestId: 'req-test' });
}

/** A WebSocket the test drives: `open()`, `receive(message)`, `drop(code)`. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  protocol = '';
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: string[] = [];
  closedByClient = false;
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.protocol = this.protocols[0] ?? '';
    this.onopen?.(new Event('open'));
  }

  receive(message: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }

  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code, reason }));
  }
}

export function socketRecorder(): {
  sockets: FakeSocket[];
  create: (url: string, protocols: string[]) => FakeSocket;
  last: () => FakeSocket;
  to: (urlEnd: string) => FakeSocket[];
} {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    create: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    last: () => {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
    to: (urlEnd) => sockets.filter((socket) => socket.url.endsWith(urlEnd)),
  };
}

export function signInAs(me: Me = { sub: 'alice', role: 'admin' }, token = 'test-token'): void {
  sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  sessionStorage.setItem('phishnet.me', JSON.stringify(me));
}

export function renderWithServices(
  ui: ReactElement,
  options: { api: ApiClient; createSocket?: Services['createSocket'] },
): RenderResult & { queryClient: QueryClient } {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const services: Services = {
    api: options.api,
    wsBase: WS_BASE,
    createSocket: options.createSocket ?? socketRecorder().create,
  };
  const result = render(
    <AppProviders services={services} queryClient={queryClient}>
      {ui}
    </AppProviders>,
  );
  return { ...result, queryClient };
}

export function jobSummary(overrides: Partial<JobSummary> = {}): JobSummary {
  return {
    job_id: '11111111-1111-4111-8111-111111111111',
    status: 'processing',
    progress: 20,
    analysis_type: 'quick',
    lane: 'realtime',
    routing: {
      lane: 'realtime',
      task: 'quick_email_scan',
      priority: 'normal',
      bullmq_priority: 3,
      reason: 'quick analysis runs quick_email_scan on the realtime lane',
    },
    subject: 'Your account has been limited',
    sender: 'PayPal <service@paypal.com>',
    verdict: null,
    score: null,
    batch_id: null,
    error: null,
    submitted_at: '2026-08-21T10:00:00.000Z',
    finished_at: null,
    ...overrides,
  };
}

export function phishingResult(): AnalysisResult {
  return {
    verdict: 'phishing',
    score: 88,
    summary: 'Phishing (score 88): a link points to a bare IP address.',
    decisive: ['links.ip_host', 'headers.dmarc_fail'],
    findings: [
      {
        id: 'links.ip_host',
        analyzer: 'links',
        severity: 'high',
        score: 40,
        evidence: 'IPv4 address: http://198.51.100.23/paypal/webapps/signin/',
        explanation: 'A link points to a bare IP address instead of a domain name.',
      },
      {
        id: 'headers.dmarc_fail',
        analyzer: 'headers',
        severity: 'high',
        score: 35,
        evidence: 'dmarc=fail',
        explanation: 'DMARC failed: the From domain did not authenticate this message.',
      },
    ],
    email: {
      subject: 'Your account has been limited - action required',
      from: 'service@paypal.com',
      to: ['recipient@example.org'],
      date: '2024-03-12T09:13:58.000Z',
      message_id: '<1@x>',
      size_bytes: 2048,
      link_count: 1,
      attachment_count: 1,
    },
    authentication: { spf: 'fail', dkim: 'none', dmarc: 'fail', arc: 'none' },
    links: [
      {
        url: 'http://198.51.100.23/paypal/webapps/signin/',
        host: '198.51.100.23',
        registrable_domain: null,
        source: 'href',
        anchor_text: 'https://www.paypal.com/signin',
        verdict: 'phishing',
        reasons: ['links.ip_host: IPv4 address'],
      },
    ],
    attachments: [
      {
        filename: 'invoice.pdf.exe',
        declared_type: 'application/pdf',
        detected_type: 'application/x-msdownload',
        size_bytes: 4096,
        md5: 'd41d8cd98f00b204e9800998ecf8427e',
        sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        verdict: 'malicious',
        findings: ['double extension: .pdf.exe'],
      },
    ],
    analyzers: ['parser', 'headers', 'links', 'content'],
    engine_ms: 12,
  };
}
