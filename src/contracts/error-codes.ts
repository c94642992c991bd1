/**
 * Every error PhishNet reports, with its HTTP status and a one-line meaning.
 * `docs/errors.md` and the OpenAPI document list each one (a test checks).
 */
export const ERROR_CODES = {
  API_REQUEST_INVALID: {
    status: 400,
    description: 'The request does not match its schema; `details` names each bad field.',
  },
  API_BODY_TOO_LARGE: {
    status: 413,
    description: 'The request body is larger than the configured limit.',
  },
  API_EMAIL_TOO_LARGE: {
    status: 413,
    description: 'The email is larger than the configured maximum email size.',
  },
  API_BULK_TOO_MANY: {
    status: 413,
    description: 'A bulk submission holds more emails than PHISHNET_BULK_MAX_EMAILS allows.',
  },
  API_BATCH_NOT_FOUND: {
    status: 404,
    description: 'No batch with this id exists (or it has passed its retention period).',
  },
  API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The request body is neither JSON nor a multipart `.eml` upload.',
  },
  API_JOB_NOT_FOUND: {
    status: 404,
    description: 'No job with this id exists (or it has passed its retention period).',
  },
  API_ROUTE_NOT_FOUND: { status: 404, description: 'No such route.' },
  API_INTERNAL: {
    status: 500,
    description: 'An unexpected error; the request id finds it in the logs.',
  },
  QUEUE_UNAVAILABLE: {
    status: 503,
    description: 'Redis cannot be reached, so nothing can be queued or read right now.',
  },
  QUEUE_STORAGE_FULL: {
    status: 503,
    description:
      'Redis has reached its memory limit (maxmemory, noeviction), so nothing new can be queued until it has room.',
  },
  CONFIG_INVALID: {
    status: 500,
    description: 'The configuration is invalid; each problem is listed.',
  },
  REDIS_EVICTION_POLICY: {
    status: 500,
    description:
      "Redis's maxmemory-policy is not `noeviction`, so queued jobs could be silently lost.",
  },
  REDIS_NOT_AVAILABLE: {
    status: 500,
    description: 'No Redis at REDIS_URL or 127.0.0.1:6379, and no `redis-server` to start.',
  },
  TASK_NOT_IMPLEMENTED: {
    status: 501,
    description: 'This task has no processor yet (a permanent failure, never a fake result).',
  },
  TASK_PAYLOAD_INVALID: {
    status: 400,
    description: 'A queued task payload does not match its schema (a permanent failure).',
  },
  TASK_EMAIL_EXPIRED: {
    status: 410,
    description: "The job's email is no longer in the blob store (its retention has passed).",
  },
  TASK_TIME_LIMIT_EXCEEDED: {
    status: 504,
    description: 'The task ran past its time limit and was stopped.',
  },
  TASK_SANDBOX_CRASHED: {
    status: 500,
    description:
      'The isolated analysis process died (out of memory, or killed) before it answered.',
  },
  TASK_PROVIDER_FAILED: {
    status: 502,
    description:
      'An external provider (the intel provider or the sandbox) failed, refused, or did not answer in time: an `external` failure, retried by its policy.',
  },
  TASK_CANCELLED: {
    status: 409,
    description: 'The job was cancelled before it finished.',
  },
  API_JOB_FINISHED: {
    status: 409,
    description: 'The job has already finished, so it cannot be cancelled.',
  },
  API_DLQ_ENTRY_NOT_FOUND: {
    status: 404,
    description: 'No dead-letter entry with this id (it was replayed, cleared or expired).',
  },
  API_LANE_NOT_FOUND: {
    status: 404,
    description:
      'No lane by this name; lanes are realtime, standard, heavy, background, dlq and monitoring.',
  },
  API_SCALING_EXTERNAL: {
    status: 409,
    description:
      'Workers are scaled by KEDA in Kubernetes mode (PHISHNET_ORCHESTRATOR=kubernetes); POST /workers/scale changes nothing.',
  },
  SUPERVISOR_SCALING_EXTERNAL: {
    status: 409,
    description:
      'No supervisor runs in Kubernetes mode (PHISHNET_ORCHESTRATOR=kubernetes): KEDA scales the worker deployments.',
  },
  API_METRICS_UNAUTHORIZED: {
    status: 401,
    description: '/metrics needs `Authorization: Bearer <PHISHNET_METRICS_TOKEN>`.',
  },
  API_UNAUTHORIZED: {
    status: 401,
    description:
      'No valid bearer token: it is missing, malformed, expired, wrongly signed, for another issuer or audience, or uses an algorithm that is not allowed.',
  },
  API_FORBIDDEN: {
    status: 403,
    description: 'The token is valid but its role may not do this (an analyst on an admin route).',
  },
  API_CROSS_SITE_REFUSED: {
    status: 403,
    description:
      'A cookie-authenticated change from another site, or a WebSocket from an Origin that is not allowed (PHISHNET_CORS_ORIGINS).',
  },
  API_AUTH_UNAVAILABLE: {
    status: 503,
    description:
      'The signing keys at PHISHNET_JWKS_URL could not be fetched, so no token can be checked.',
  },
  API_RATE_LIMITED: {
    status: 429,
    description:
      'Too many requests or submitted emails for this user in the current window; `Retry-After` says when to try again.',
  },
  API_EMAIL_HEADER_LIMIT: {
    status: 400,
    description:
      'The email has more header fields than PHISHNET_MAX_HEADER_FIELDS, or a header section longer than PHISHNET_MAX_HEADER_BYTES.',
  },
  API_EMAIL_MIME_TOO_DEEP: {
    status: 400,
    description: 'The email nests MIME parts deeper than PHISHNET_MAX_MIME_DEPTH.',
  },
  API_EMAIL_TOO_MANY_ATTACHMENTS: {
    status: 400,
    description: 'The email has more attachments than PHISHNET_MAX_ATTACHMENTS.',
  },
  TASK_FAILED: {
    status: 500,
    description: 'The task failed with an unexpected error; the message says what it was.',
  },
  ENGINE_FAILED: {
    status: 500,
    description: 'The analysis engine could not run (a failed port, not a suspicious email).',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
