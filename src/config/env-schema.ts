/**
 * Every environment variable PhishNet reads, with its default and meaning.
 * `.env.example` and docs are checked against this table by a test.
 */
import { z } from 'zod';
import { FEED_FORMATS, feedFormatSchema } from '../contracts/intel.ts';
import { MAX_WORKERS_LIMIT } from '../contracts/workers.ts';
import { LOG_FORMATS } from '../lib/logger.ts';
import { DEFAULT_MIME_LIMITS } from '../lib/mime-scan.ts';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const envSchema = z.object({
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe(
      'Redis to use. Unset: redis://127.0.0.1:6379 if it answers, else a local redis-server is started.',
    ),
  REDIS_PASSWORD: z
    .string()
    .optional()
    .describe(
      'Password for REDIS_URL, when it is not in the URL (with an ACL user, put the user in the URL: redis://user@host).',
    ),
  REDIS_PASSWORD_FILE: z
    .string()
    .optional()
    .describe(
      'A file holding REDIS_PASSWORD (read by the phishnet command at start), e.g. a mounted secret.',
    ),
  PORT: int(1, 65_535).default(8000).describe('HTTP port of the API.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the API binds to.'),
  PHISHNET_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('phishnet')
    .describe('Key prefix of every queue and key PhishNet writes in Redis.'),
  PHISHNET_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Log level.'),
  PHISHNET_LOG_FORMAT: z
    .enum(LOG_FORMATS)
    .default('auto')
    .describe(
      'How log lines look: `json`, one object a line for log collectors; `pretty`, short lines for people; `auto`, pretty when the output is a terminal and JSON otherwise.',
    ),
  PHISHNET_ALLOW_EVICTION: z
    .stringbool()
    .default(false)
    .describe(
      'Start even when Redis may evict keys (maxmemory-policy is not noeviction). Jobs can be lost.',
    ),
  PHISHNET_REDIS_DATA_DIR: z
    .string()
    .default('./data/redis')
    .describe('Data folder of the redis-server that `phishnet start` runs when no Redis is found.'),
  PHISHNET_MAX_EMAIL_BYTES: int(1_024, 1_073_741_824)
    .default(25 * 1024 * 1024)
    .describe('Largest email accepted, in bytes (after base64 decoding).'),
  PHISHNET_RESULT_TTL_SECONDS: int(60, 366 * 24 * 3600)
    .default(7 * 24 * 3600)
    .describe('How long finished jobs, their results and their emails are kept.'),
  PHISHNET_KEEP_COMPLETED: int(1, 10_000_000)
    .default(10_000)
    .describe('At most this many completed jobs are kept per lane.'),
  PHISHNET_KEEP_FAILED: int(1, 10_000_000)
    .default(10_000)
    .describe('At most this many failed jobs are kept per lane.'),
  PHISHNET_ORCHESTRATOR: z
    .enum(['local', 'kubernetes'])
    .default('local')
    .describe(
      '`local`: the supervisor (`phishnet start`, `phishnet supervisor`) runs and scales worker processes; `kubernetes`: KEDA scales worker deployments, so no supervisor runs and POST /api/v1/workers/scale answers 409.',
    ),
  PHISHNET_MIN_WORKERS: int(0, MAX_WORKERS_LIMIT)
    .default(2)
    .describe('Fewest worker processes a supervisor keeps on its host.'),
  PHISHNET_MAX_WORKERS: int(1, MAX_WORKERS_LIMIT)
    .default(20)
    .describe(
      'Most worker processes a supervisor runs on its host (lane-dedicated ones included).',
    ),
  PHISHNET_SCALE_UP_THRESHOLD: int(1, 1_000_000)
    .default(10)
    .describe(
      'The supervisor adds workers when a lane has more jobs than this waiting (waiting + prioritized + delayed): one per started block of this many beyond it.',
    ),
  PHISHNET_SCALE_DOWN_THRESHOLD: int(0, 1_000_000)
    .default(2)
    .describe(
      'The supervisor removes one worker when every lane has fewer jobs than this waiting. Must be below PHISHNET_SCALE_UP_THRESHOLD.',
    ),
  PHISHNET_SCALE_COOLDOWN_SECONDS: int(0, 24 * 3600)
    .default(300)
    .describe('The supervisor changes the number of workers at most once per this many seconds.'),
  PHISHNET_SCALE_INTERVAL_MS: int(100, 300_000)
    .default(5_000)
    .describe(
      'How often the supervisor reads queue depths and decides; a POST /api/v1/workers/scale reaches it at once.',
    ),
  PHISHNET_WORKER_CONCURRENCY: int(1, 256)
    .default(4)
    .describe('Jobs one worker process runs at once, per lane.'),
  PHISHNET_WORKER_LOCK_MS: int(500, 3_600_000)
    .default(30_000)
    .describe(
      "How long a worker's claim on a job lasts unless renewed, and how often workers look for jobs whose worker died; such jobs run again within about twice this.",
    ),
  PHISHNET_SHUTDOWN_GRACE_MS: int(0, 3_600_000)
    .default(30_000)
    .describe(
      'On SIGTERM a worker takes no new jobs and lets running ones finish for this long, then returns the rest to their queue.',
    ),
  PHISHNET_TASK_TIME_LIMIT_SECONDS: int(1, 24 * 3600)
    .default(600)
    .describe('Default time limit of a task.'),
  PHISHNET_SYSTEM_STATUS_INTERVAL_MS: int(100, 60_000)
    .default(5_000)
    .describe('How often /ws/system sends a system_status message.'),
  PHISHNET_METRICS_SNAPSHOT_SECONDS: int(1, 3_600)
    .default(60)
    .describe('How often the scheduler records queue depths and throughput.'),
  PHISHNET_HEARTBEAT_INTERVAL_MS: int(100, 300_000)
    .default(5_000)
    .describe(
      'How often each worker process publishes its heartbeat; it is reported dead after three missed ones.',
    ),
  PHISHNET_WORKER_DEAD_RETENTION_SECONDS: int(1, 7 * 24 * 3600)
    .default(3_600)
    .describe(
      'How long a dead worker stays listed in /api/v1/workers/status before it is dropped.',
    ),
  PHISHNET_METRICS_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    .optional()
    .describe('When set, /metrics requires `Authorization: Bearer <token>` (401 otherwise).'),
  PHISHNET_METRICS_TOKEN_FILE: z
    .string()
    .optional()
    .describe('A file holding PHISHNET_METRICS_TOKEN (read by the phishnet command at start).'),
  PHISHNET_JWT_SECRET: z
    .string()
    .min(32, 'at least 32 characters')
    .optional()
    .describe(
      'Shared secret that signs and checks HS256 bearer tokens (`phishnet token` mints them). Unset, and no JWKS URL: `phishnet start` makes one for the session; `phishnet api` refuses to start.',
    ),
  PHISHNET_JWT_SECRET_FILE: z
    .string()
    .optional()
    .describe(
      'A file holding PHISHNET_JWT_SECRET (read by the phishnet command at start), e.g. a mounted secret.',
    ),
  PHISHNET_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      "An identity provider's JWKS URL: RS256 and ES256 tokens are checked against its keys (fetched and cached).",
    ),
  PHISHNET_JWT_ISSUER: z
    .string()
    .min(1)
    .default('phishnet')
    .describe('The `iss` every token must carry.'),
  PHISHNET_JWT_AUDIENCE: z
    .string()
    .min(1)
    .default('phishnet')
    .describe('The `aud` every token must carry.'),
  PHISHNET_AUTH_DISABLED: z
    .stringbool()
    .default(false)
    .describe(
      'Turns authentication off: every request acts as an admin. For a closed lab only; logged at warn on every start.',
    ),
  PHISHNET_CORS_ORIGINS: csv
    .default([])
    .describe(
      'Comma-separated origins (https://app.example.com) whose browser pages may call the API and open WebSockets; none by default.',
    ),
  PHISHNET_RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400)
    .default(60)
    .describe('The window of the per-user rate limits, in seconds.'),
  PHISHNET_RATE_LIMIT_SUBMIT_EMAILS: int(1, 100_000_000)
    .default(10_000)
    .describe(
      'Emails one user may submit per window (a bulk request counts each email); more is a 429 with Retry-After.',
    ),
  PHISHNET_RATE_LIMIT_REQUESTS: int(1, 100_000_000)
    .default(1_200)
    .describe('Other API requests (and WebSocket connections) one user may make per window.'),
  PHISHNET_WS_MAX_MESSAGES_PER_SECOND: int(1, 10_000)
    .default(10)
    .describe('Messages a WebSocket client may send per second; more closes the connection.'),
  PHISHNET_MAX_JSON_BODY_BYTES: int(1_024, 1_073_741_824)
    .default(1024 * 1024)
    .describe(
      'Largest request body of routes that take no email (a submission may carry one email of PHISHNET_MAX_EMAIL_BYTES).',
    ),
  PHISHNET_MAX_BULK_BODY_BYTES: int(1_024, 4_294_967_296)
    .default(256 * 1024 * 1024)
    .describe(
      'Largest body of a bulk submission; each email in it is still held to its own limit.',
    ),
  PHISHNET_MAX_HEADER_FIELDS: int(1, 1_000_000)
    .default(DEFAULT_MIME_LIMITS.maxHeaderFields)
    .describe(
      'Most header fields in one header block (the message, or a MIME part) of a submitted email.',
    ),
  PHISHNET_MAX_HEADER_BYTES: int(1_024, 64 * 1024 * 1024)
    .default(DEFAULT_MIME_LIMITS.maxHeaderBytes)
    .describe('Largest header block (the message, or a MIME part) of a submitted email, in bytes.'),
  PHISHNET_MAX_MIME_DEPTH: int(1, 1_000)
    .default(DEFAULT_MIME_LIMITS.maxMimeDepth)
    .describe('Deepest nesting of MIME parts in a submitted email.'),
  PHISHNET_MAX_ATTACHMENTS: int(0, 100_000)
    .default(DEFAULT_MIME_LIMITS.maxAttachments)
    .describe('Most attachments in a submitted email.'),
  PHISHNET_BRAND_DOMAINS: csv
    .optional()
    .describe(
      'Comma-separated registrable domains of protected brands (default: the built-in list).',
    ),
  PHISHNET_TRUSTED_RECEIVERS: csv
    .default([])
    .describe('Comma-separated hosts whose Authentication-Results headers are believed.'),
  PHISHNET_RETRY_TEMPORARY_RETRIES: int(0, 100)
    .default(3)
    .describe(
      'Retries of a temporary failure (network error, timeout); exponential backoff with jitter.',
    ),
  PHISHNET_RETRY_TEMPORARY_DELAY_MS: int(0, 86_400_000)
    .default(60_000)
    .describe('First backoff delay of a temporary failure.'),
  PHISHNET_RETRY_EXTERNAL_RETRIES: int(0, 100)
    .default(5)
    .describe(
      "Retries of an external failure (a provider's 5xx or 429); exponential backoff with jitter.",
    ),
  PHISHNET_RETRY_EXTERNAL_DELAY_MS: int(0, 86_400_000)
    .default(30_000)
    .describe('First backoff delay of an external failure.'),
  PHISHNET_RETRY_INFRASTRUCTURE_RETRIES: int(0, 100)
    .default(5)
    .describe(
      'Retries of an infrastructure failure (Redis, storage); exponential backoff with jitter.',
    ),
  PHISHNET_RETRY_INFRASTRUCTURE_DELAY_MS: int(0, 86_400_000)
    .default(10_000)
    .describe('First backoff delay of an infrastructure failure.'),
  PHISHNET_RETRY_RESOURCE_RETRIES: int(0, 100)
    .default(2)
    .describe('Retries of a resource failure (memory, disk, time limit); linear backoff.'),
  PHISHNET_RETRY_RESOURCE_DELAY_MS: int(0, 86_400_000)
    .default(120_000)
    .describe('Backoff step of a resource failure (delay = step × retry number).'),
  PHISHNET_DLQ_MAX_ENTRIES: int(1, 10_000_000)
    .default(10_000)
    .describe('The dead-letter queue keeps at most this many entries, dropping the oldest.'),
  PHISHNET_DLQ_MAX_AGE_DAYS: int(1, 3_650)
    .default(180)
    .describe('Dead letters older than this are dropped.'),
  PHISHNET_ROUTE_REALTIME_MAX_EMAIL_BYTES: int(1_024, 1_073_741_824)
    .default(1024 * 1024)
    .describe('A quick scan of a larger email is not realtime work: it runs on the standard lane.'),
  PHISHNET_ROUTE_REALTIME_MAX_ATTACHMENTS: int(0, 100_000)
    .default(5)
    .describe('A quick scan of an email with more attachments runs on the standard lane.'),
  PHISHNET_ROUTE_REALTIME_MAX_LINKS: int(0, 1_000_000)
    .default(100)
    .describe('A quick scan of an email with more links runs on the standard lane.'),
  PHISHNET_ROUTE_STANDARD_MAX_EMAIL_BYTES: int(1_024, 1_073_741_824)
    .default(10 * 1024 * 1024)
    .describe('A standard (full) scan of a larger email runs on the heavy lane.'),
  PHISHNET_ROUTE_SPILL_BACKLOG: int(1, 10_000_000)
    .default(1_000)
    .describe(
      "Low-priority realtime work goes to the background lane while this many jobs wait on realtime (a bulk's own jobs count as they are routed).",
    ),
  PHISHNET_ROUTE_SPILL_WAIT_SECONDS: int(1, 86_400)
    .default(30)
    .describe(
      'Low-priority realtime work goes to the background lane while the oldest waiting realtime job has waited this long.',
    ),
  PHISHNET_ROUTE_LOAD_CACHE_MS: int(0, 60_000)
    .default(1_000)
    .describe(
      "How long an API instance reuses its reading of realtime's load for routing (0 reads it for every submission).",
    ),
  PHISHNET_AGING_AFTER_SECONDS: int(1, 30 * 86_400)
    .default(300)
    .describe(
      'A waiting job is lifted one BullMQ priority step for each such period it has waited, never past urgent.',
    ),
  PHISHNET_AGING_INTERVAL_SECONDS: int(1, 86_400)
    .default(60)
    .describe('How often the scheduler runs priority aging.'),
  PHISHNET_RETENTION_INTERVAL_MINUTES: int(1, 10_080)
    .default(60)
    .describe(
      'How often the scheduler trims the dead-letter queue (PHISHNET_DLQ_MAX_*) and removes results past PHISHNET_RESULT_TTL_SECONDS.',
    ),
  PHISHNET_BULK_MAX_EMAILS: int(1, 100_000)
    .default(5_000)
    .describe('Most emails accepted in one bulk submission.'),
  PHISHNET_FEEDS: z
    .string()
    .transform((value, ctx) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
        .map((item) => {
          const [format = '', url = ''] = item.split('|', 2);
          const parsedFormat = feedFormatSchema.safeParse(format);
          const parsedUrl = z.url({ protocol: /^https?$/ }).safeParse(url);
          if (!parsedFormat.success || !parsedUrl.success) {
            ctx.addIssue({
              code: 'custom',
              message: `"${item}": expected FORMAT|URL with FORMAT one of ${FEED_FORMATS.join(', ')}`,
            });
          }
          return {
            format: parsedFormat.data ?? 'plain',
            url,
            name: url ? new URL(url).host : item,
          };
        }),
    )
    .default([])
    .describe(
      'Threat feeds to refresh on schedule: comma-separated FORMAT|URL, e.g. plain|https://openphish.com/feed.txt.',
    ),
  PHISHNET_FEED_REFRESH_MINUTES: int(1, 10_080)
    .default(60)
    .describe('How often configured threat feeds are downloaded again.'),
  PHISHNET_FEED_MAX_BYTES: int(1_024, 1_073_741_824)
    .default(64 * 1024 * 1024)
    .describe('Largest threat-feed download accepted, in bytes.'),
  PHISHNET_RESOLVE_REDIRECTS: z
    .stringbool()
    .default(false)
    .describe(
      'link_safety_check follows redirects of links (never to private, loopback or link-local addresses).',
    ),
  PHISHNET_REDIRECT_MAX_HOPS: int(1, 20).default(5).describe('Redirect hops followed per link.'),
  PHISHNET_REDIRECT_TIMEOUT_MS: int(100, 60_000)
    .default(5_000)
    .describe('Time budget for following one link.'),
  PHISHNET_INTEL_PROVIDER_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      "An external threat-intelligence service that threat_intelligence_lookup asks about each email's indicators (see docs/providers.md). Unset: the feed store alone.",
    ),
  PHISHNET_INTEL_PROVIDER_API_KEY: z
    .string()
    .optional()
    .describe('Sent to the intel provider as `Authorization: Bearer <key>`.'),
  PHISHNET_INTEL_PROVIDER_API_KEY_FILE: z
    .string()
    .optional()
    .describe(
      'A file holding PHISHNET_INTEL_PROVIDER_API_KEY (read by the phishnet command at start).',
    ),
  PHISHNET_SANDBOX_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'An external (dynamic) sandbox that sandbox_analysis sends each attachment to (see docs/providers.md). Unset: static analysis in an isolated process only.',
    ),
  PHISHNET_SANDBOX_API_KEY: z
    .string()
    .optional()
    .describe('Sent to the sandbox as `Authorization: Bearer <key>`.'),
  PHISHNET_SANDBOX_API_KEY_FILE: z
    .string()
    .optional()
    .describe('A file holding PHISHNET_SANDBOX_API_KEY (read by the phishnet command at start).'),
  PHISHNET_PROVIDER_TIMEOUT_MS: int(100, 600_000)
    .default(30_000)
    .describe(
      'Time an external provider (intel or sandbox) has to answer one request; a provider that fails or runs out of time is an `external` failure, retried by its policy.',
    ),
  PHISHNET_VERDICT_SUSPICIOUS: int(1, 100)
    .default(30)
    .describe('Score from which a verdict is suspicious.'),
  PHISHNET_VERDICT_PHISHING: int(1, 100)
    .default(60)
    .describe('Score from which a verdict is phishing.'),
  PHISHNET_VERDICT_MALICIOUS: int(1, 100)
    .default(85)
    .describe('Score from which a verdict is malicious.'),
});

export type Env = z.infer<typeof envSchema>;
