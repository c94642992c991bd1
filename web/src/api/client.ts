/**
 * The typed HTTP client of the PhishNet API. It takes a base URL, a token getter
 * and `fetch`, so tests hand it their own `fetch`, or replace the whole client
 * with an object of their own that implements `ApiClient`.
 */
import { z } from 'zod';
import {
  batchListSchema,
  batchStatusSchema,
  bulkSubmitResponseSchema,
  cancelResponseSchema,
  errorBodySchema,
  jobHeadersSchema,
  jobListSchema,
  jobStatusSchema,
  submitResponseSchema,
  type BatchList,
  type BatchListQuery,
  type BatchStatus,
  type BulkSubmitResponse,
  type JobHeaders,
  type JobList,
  type JobListQuery,
  type JobStatus,
  type SubmitRequest,
  type SubmitResponse,
} from '../../../src/contracts/api.ts';
import { authMeSchema, authSessionSchema, type Principal } from '../../../src/contracts/auth.ts';
import {
  dlqBulkResultSchema,
  dlqListSchema,
  dlqReplaySchema,
  type DlqFilter,
  type DlqList,
} from '../../../src/contracts/dlq.ts';
import type { AnalysisType, Lane, Priority } from '../../../src/contracts/queues.ts';
import {
  historySchema,
  laneStateSchema,
  queuesStatusSchema,
  scaleAcceptedSchema,
  scaleRequestSchema,
  scaleStatusSchema,
  workersStatusSchema,
  workerStatsSchema,
  type History,
  type LaneState,
  type ScaleAccepted,
  type ScaleStatus,
  type WorkersStatus,
  type WorkerStats,
} from '../../../src/contracts/workers.ts';

/** Who a token belongs to (`GET /api/v1/auth/me`). */
export type Me = Principal;
/** What the client sends to `POST /api/v1/workers/scale` (before the server fills defaults). */
export type ScaleRequest = z.input<typeof scaleRequestSchema>;
export type DashboardSession = z.infer<typeof authSessionSchema>;

export type QueuesStatus = z.infer<typeof queuesStatusSchema>;
export type CancelResponse = z.infer<typeof cancelResponseSchema>;
export type DlqReplay = z.infer<typeof dlqReplaySchema>;
export type DlqQuery = DlqFilter & { page?: number; page_size?: number };

/** What a page needs from the API; `createApiClient` is the real one. */
export interface ApiClient {
  readonly baseUrl: string;
  /** Who the token belongs to. `token` checks a token before it is stored. */
  me(token?: string): Promise<Me>;
  /**
   * Exchanges an admin's token for the dashboards' HttpOnly cookie, so that
   * `/api/v1/workers/dashboard` and `/admin/queues` open in this browser.
   */
  openDashboardSession(token: string): Promise<DashboardSession>;
  /** Drops the dashboards' cookie (sent with the cookie alone, so an expired token does not matter). */
  closeDashboardSession(): Promise<void>;
  submit(body: SubmitRequest): Promise<SubmitResponse>;
  submitFile(file: File, analysisType: AnalysisType, priority: Priority): Promise<SubmitResponse>;
  submitBulk(body: {
    emails: { raw: string }[];
    analysis_type: AnalysisType;
    priority: Priority;
  }): Promise<BulkSubmitResponse>;
  jobStatus(jobId: string): Promise<JobStatus>;
  jobHeaders(jobId: string): Promise<JobHeaders>;
  cancelJob(jobId: string): Promise<CancelResponse>;
  searchJobs(query: JobListQuery): Promise<JobList>;
  listBatches(query: BatchListQuery): Promise<BatchList>;
  batchStatus(batchId: string, page?: number, pageSize?: number): Promise<BatchStatus>;
  workerStats(): Promise<WorkerStats>;
  workersStatus(): Promise<WorkersStatus>;
  queues(): Promise<QueuesStatus>;
  history(minutes: number): Promise<History>;
  setLanePaused(lane: Lane, paused: boolean): Promise<LaneState>;
  scaleState(): Promise<ScaleStatus>;
  scale(request: ScaleRequest): Promise<ScaleAccepted>;
  deadLetters(query: DlqQuery): Promise<DlqList>;
  replayDeadLetter(taskId: string): Promise<DlqReplay>;
  replayAllDeadLetters(filter: DlqFilter): Promise<{ count: number }>;
  clearDeadLetters(filter: DlqFilter): Promise<{ count: number }>;
}

/** An answer other than 2xx, or no answer at all (`status` 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { requestId?: string; details?: unknown } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = extra.requestId;
    this.details = extra.details;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export interface ApiClientOptions {
  /** Where `/api/v1` lives, e.g. `/api/v1` or `https://phishnet.example/api/v1`. */
  baseUrl: string;
  getToken: () => string | null;
  fetch?: typeof fetch;
  /** Called when a stored token is refused (401), so the app can ask for a new one. */
  onUnauthorized?: (error: ApiError) => void;
}

type Query = Record<string, string | number | undefined>;

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function call<T>(
    schema: z.ZodType<T>,
    method: string,
    path: string,
    request: {
      query?: Query;
      json?: unknown;
      form?: FormData;
      /** A token to check instead of the session's; `null` sends none (the cookie speaks). */
      token?: string | null;
      credentials?: RequestCredentials;
    } = {},
  ): Promise<T> {
    const url = `${baseUrl}${path}${toSearch(request.query)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = request.token === undefined ? options.getToken() : request.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form) {
      body = request.form;
    }
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(request.credentials ? { credentials: request.credentials } : {}),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ApiError(0, 'NETWORK', `PhishNet did not answer (${method} ${url}): ${reason}`);
    }
    const text = await response.text();
    const json = parseJson(text);
    if (!response.ok) {
      const error = toApiError(response.status, json, text, method, path);
      // A token being checked (`request.token`) is not the session's: its refusal ends nothing.
      if (response.status === 401 && request.token === undefined) options.onUnauthorized?.(error);
      throw error;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)');
      throw new ApiError(
        response.status,
        'BAD_RESPONSE',
        `unexpected answer to ${method} ${path}: ${[...new Set(fields)].slice(0, 5).join(', ')}`,
      );
    }
    return parsed.data;
  }

  return {
    baseUrl,
    me: (token) => call(authMeSchema, 'GET', '/auth/me', token === undefined ? {} : { token }),
    openDashboardSession: (token) =>
      call(authSessionSchema, 'POST', '/auth/session', { token, credentials: 'same-origin' }),
    closeDashboardSession: async () => {
      await call(z.unknown(), 'DELETE', '/auth/session', {
        token: null,
        credentials: 'same-origin',
      });
    },
    submit: (body) => call(submitResponseSchema, 'POST', '/analysis/submit', { json: body }),
    submitFile: (file, analysisType, priority) => {
      const form = new FormData();
      form.append('analysis_type', analysisType);
      form.append('priority', priority);
      form.append('file', file, file.name);
      return call(submitResponseSchema, 'POST', '/analysis/submit', { form });
    },
    submitBulk: (body) =>
      call(bulkSubmitResponseSchema, 'POST', '/analysis/submit-bulk', { json: body }),
    jobStatus: (jobId) => call(jobStatusSchema, 'GET', `/analysis/status/${enc(jobId)}`),
    jobHeaders: (jobId) => call(jobHeadersSchema, 'GET', `/analysis/headers/${enc(jobId)}`),
    cancelJob: (jobId) => call(cancelResponseSchema, 'DELETE', `/analysis/${enc(jobId)}`),
    searchJobs: (query) => call(jobListSchema, 'GET', '/analysis/jobs', { query }),
    listBatches: (query) => call(batchListSchema, 'GET', '/analysis/batches', { query }),
    batchStatus: (batchId, page, pageSize) =>
      call(batchStatusSchema, 'GET', `/analysis/batch/${enc(batchId)}`, {
        query: { page, page_size: pageSize },
      }),
    workerStats: () => call(workerStatsSchema, 'GET', '/workers/stats'),
    workersStatus: () => call(workersStatusSchema, 'GET', '/workers/status'),
    queues: () => call(queuesStatusSchema, 'GET', '/workers/queues'),
    history: (minutes) => call(historySchema, 'GET', '/workers/history', { query: { minutes } }),
    setLanePaused: (lane, paused) =>
      call(laneStateSchema, 'POST', `/workers/queues/${enc(lane)}/${paused ? 'pause' : 'resume'}`),
    scaleState: () => call(scaleStatusSchema, 'GET', '/workers/scale'),
    scale: (request) => call(scaleAcceptedSchema, 'POST', '/workers/scale', { json: request }),
    deadLetters: (query) => call(dlqListSchema, 'GET', '/workers/dlq', { query }),
    replayDeadLetter: (taskId) =>
      call(dlqReplaySchema, 'POST', `/workers/dlq/${enc(taskId)}/replay`),
    replayAllDeadLetters: (filter) =>
      call(dlqBulkResultSchema, 'POST', '/workers/dlq/replay-all', { json: filter }),
    clearDeadLetters: (filter) =>
      call(dlqBulkResultSchema, 'DELETE', '/workers/dlq/clear', { query: filter }),
  };
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function toSearch(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(
  status: number,
  json: unknown,
  text: string,
  method: string,
  path: string,
): ApiError {
  const body = errorBodySchema.safeParse(json);
  if (body.success) {
    return new ApiError(status, body.data.error.code, body.data.error.message, {
      requestId: body.data.requestId,
      details: body.data.error.details,
    });
  }
  // An error from something other than PhishNet's handler (a proxy, an unknown code).
  const loose = json as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof loose?.error?.code === 'string' ? loose.error.code : `HTTP_${status}`;
  const message =
    typeof loose?.error?.message === 'string'
      ? loose.error.message
      : `${method} ${path} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new ApiError(status, code, message);
}

/** A file's bytes as base64, for `raw` in a bulk submission. */
export async function readFileAsBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const step = 0x8000;
  for (let start = 0; start < bytes.length; start += step) {
    binary += String.fromCharCode(...bytes.subarray(start, start + step));
  }
  return btoa(binary);
}
