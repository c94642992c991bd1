import { AppError } from '../lib/errors.ts';
import type { LogFormat } from '../lib/logger.ts';
import { DAY_MS, MINUTE_MS, SECOND_MS } from '../lib/time.ts';
import type { FeedFormat } from '../contracts/intel.ts';
import type { FailureClass } from '../contracts/queues.ts';

export interface RetryPolicy {
  readonly retries: number;
  /** First delay (exponential) or step (linear). */
  readonly delayMs: number;
  readonly backoff: 'none' | 'exponential' | 'linear';
}
export type RetryPolicies = Readonly<Record<FailureClass, RetryPolicy>>;
/** Who scales worker processes: PhishNet's own supervisor, or KEDA in Kubernetes. */
export type Orchestrator = 'local' | 'kubernetes';
import { envSchema, type Env } from './env-schema.ts';

/** One validated, frozen configuration; the only reader of `process.env`. */
export interface Config {
  readonly redisUrl: string | undefined;
  readonly http: { readonly port: number; readonly host: string };
  readonly prefix: string;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly allowEviction: boolean;
  readonly redisDataDir: string;
  readonly limits: {
    readonly maxEmailBytes: number;
    readonly bulkMaxEmails: number;
    readonly maxJsonBodyBytes: number;
    readonly maxBulkBodyBytes: number;
    readonly maxHeaderFields: number;
    readonly maxHeaderBytes: number;
    readonly maxMimeDepth: number;
    readonly maxAttachments: number;
  };
  readonly auth: {
    /** PHISHNET_AUTH_DISABLED: every request is an admin. */
    readonly disabled: boolean;
    /** HS256 secret; undefined when tokens come only from a JWKS. */
    readonly jwtSecret: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly rateLimits: {
    readonly windowMs: number;
    readonly submitEmails: number;
    readonly requests: number;
    readonly wsMessagesPerSecond: number;
  };
  readonly cors: { readonly origins: readonly string[] };
  readonly retention: {
    readonly resultTtlMs: number;
    readonly keepCompleted: number;
    readonly keepFailed: number;
  };
  readonly workers: {
    readonly concurrency: number;
    /** BullMQ's lockDuration and stalledInterval. */
    readonly lockMs: number;
    readonly shutdownGraceMs: number;
  };
  /** The supervisor's defaults; bounds set through POST /api/v1/workers/scale override them. */
  readonly scale: {
    readonly orchestrator: Orchestrator;
    readonly minWorkers: number;
    readonly maxWorkers: number;
    readonly scaleUpThreshold: number;
    readonly scaleDownThreshold: number;
    readonly cooldownMs: number;
    readonly intervalMs: number;
  };
  readonly taskTimeLimitMs: number;
  readonly retry: RetryPolicies;
  readonly feeds: {
    readonly sources: readonly {
      readonly url: string;
      readonly format: FeedFormat;
      readonly name: string;
    }[];
    readonly refreshMs: number;
    readonly maxBytes: number;
  };
  readonly redirects: {
    readonly enabled: boolean;
    readonly maxHops: number;
    readonly timeoutMs: number;
  };
  /** External services asked over HTTP; each absent unless its URL is set. */
  readonly providers: {
    readonly intel: ProviderEndpoint | undefined;
    readonly sandbox: ProviderEndpoint | undefined;
  };
  readonly dlq: { readonly maxEntries: number; readonly maxAgeMs: number };
  /** Routing thresholds (see src/jobs/routing.ts) and how long a load reading is reused. */
  readonly routing: {
    readonly realtimeMaxEmailBytes: number;
    readonly realtimeMaxAttachments: number;
    readonly realtimeMaxLinks: number;
    readonly standardMaxEmailBytes: number;
    readonly spillBacklog: number;
    readonly spillOldestWaitSeconds: number;
    readonly loadCacheMs: number;
  };
  /** Priority aging: one step per `afterMs` waited, checked every `intervalMs`. */
  readonly aging: { readonly afterMs: number; readonly intervalMs: number };
  /** How often DLQ and result retention run. */
  readonly retentionIntervalMs: number;
  readonly systemStatusIntervalMs: number;
  readonly metricsSnapshotMs: number;
  readonly heartbeat: { readonly intervalMs: number; readonly deadRetentionMs: number };
  /** Bearer token /metrics requires; undefined leaves it open. */
  readonly metricsToken: string | undefined;
  readonly engine: {
    readonly brandDomains: readonly string[] | undefined;
    readonly trustedReceivers: readonly string[];
    readonly thresholds: {
      readonly suspicious: number;
      readonly phishing: number;
      readonly malicious: number;
    };
  };
}

export interface ProviderEndpoint {
  /** For people: the URL's host. */
  readonly name: string;
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
}

function providerEndpoint(
  url: string | undefined,
  apiKey: string | undefined,
  timeoutMs: number,
): ProviderEndpoint | undefined {
  return url === undefined ? undefined : { name: new URL(url).host, url, apiKey, timeoutMs };
}

/** Secrets that may come from files; `src/cli/secret-files.ts` reads them before config is loaded. */
export const SECRET_FILE_VARIABLES = {
  PHISHNET_JWT_SECRET_FILE: 'PHISHNET_JWT_SECRET',
  REDIS_PASSWORD_FILE: 'REDIS_PASSWORD',
  PHISHNET_METRICS_TOKEN_FILE: 'PHISHNET_METRICS_TOKEN',
  PHISHNET_INTEL_PROVIDER_API_KEY_FILE: 'PHISHNET_INTEL_PROVIDER_API_KEY',
  PHISHNET_SANDBOX_API_KEY_FILE: 'PHISHNET_SANDBOX_API_KEY',
} as const;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as they do in most shells and .env files.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  for (const [fileVariable, variable] of Object.entries(SECRET_FILE_VARIABLES)) {
    // The CLI replaces each *_FILE by the value it holds; one still here was never read.
    if (present[fileVariable] !== undefined) {
      problems.push(
        `${fileVariable}: only the phishnet command reads secret files; give ${variable} itself here`,
      );
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      details: problems,
    });
  }
  const e = parsed.data;
  const crossField = crossFieldProblems(e, present);
  if (crossField.length > 0) {
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${crossField.join('; ')}`, {
      details: crossField,
    });
  }
  const thresholds = {
    suspicious: e.PHISHNET_VERDICT_SUSPICIOUS,
    phishing: e.PHISHNET_VERDICT_PHISHING,
    malicious: e.PHISHNET_VERDICT_MALICIOUS,
  };
  return deepFreeze({
    redisUrl: redisUrlWithPassword(e.REDIS_URL, e.REDIS_PASSWORD),
    http: { port: e.PORT, host: e.HOST },
    prefix: e.PHISHNET_PREFIX,
    logLevel: e.PHISHNET_LOG_LEVEL,
    logFormat: e.PHISHNET_LOG_FORMAT,
    allowEviction: e.PHISHNET_ALLOW_EVICTION,
    redisDataDir: e.PHISHNET_REDIS_DATA_DIR,
    limits: {
      maxEmailBytes: e.PHISHNET_MAX_EMAIL_BYTES,
      bulkMaxEmails: e.PHISHNET_BULK_MAX_EMAILS,
      maxJsonBodyBytes: e.PHISHNET_MAX_JSON_BODY_BYTES,
      maxBulkBodyBytes: e.PHISHNET_MAX_BULK_BODY_BYTES,
      maxHeaderFields: e.PHISHNET_MAX_HEADER_FIELDS,
      maxHeaderBytes: e.PHISHNET_MAX_HEADER_BYTES,
      maxMimeDepth: e.PHISHNET_MAX_MIME_DEPTH,
      maxAttachments: e.PHISHNET_MAX_ATTACHMENTS,
    },
    auth: {
      disabled: e.PHISHNET_AUTH_DISABLED,
      jwtSecret: e.PHISHNET_JWT_SECRET,
      jwksUrl: e.PHISHNET_JWKS_URL,
      issuer: e.PHISHNET_JWT_ISSUER,
      audience: e.PHISHNET_JWT_AUDIENCE,
    },
    rateLimits: {
      windowMs: e.PHISHNET_RATE_LIMIT_WINDOW_SECONDS * SECOND_MS,
      submitEmails: e.PHISHNET_RATE_LIMIT_SUBMIT_EMAILS,
      requests: e.PHISHNET_RATE_LIMIT_REQUESTS,
      wsMessagesPerSecond: e.PHISHNET_WS_MAX_MESSAGES_PER_SECOND,
    },
    cors: { origins: e.PHISHNET_CORS_ORIGINS.map((origin) => new URL(origin).origin) },
    retention: {
      resultTtlMs: e.PHISHNET_RESULT_TTL_SECONDS * SECOND_MS,
      keepCompleted: e.PHISHNET_KEEP_COMPLETED,
      keepFailed: e.PHISHNET_KEEP_FAILED,
    },
    workers: {
      concurrency: e.PHISHNET_WORKER_CONCURRENCY,
      lockMs: e.PHISHNET_WORKER_LOCK_MS,
      shutdownGraceMs: e.PHISHNET_SHUTDOWN_GRACE_MS,
    },
    scale: {
      orchestrator: e.PHISHNET_ORCHESTRATOR,
      minWorkers: e.PHISHNET_MIN_WORKERS,
      maxWorkers: e.PHISHNET_MAX_WORKERS,
      scaleUpThreshold: e.PHISHNET_SCALE_UP_THRESHOLD,
      scaleDownThreshold: e.PHISHNET_SCALE_DOWN_THRESHOLD,
      cooldownMs: e.PHISHNET_SCALE_COOLDOWN_SECONDS * SECOND_MS,
      intervalMs: e.PHISHNET_SCALE_INTERVAL_MS,
    },
    taskTimeLimitMs: e.PHISHNET_TASK_TIME_LIMIT_SECONDS * SECOND_MS,
    retry: {
      permanent: { retries: 0, delayMs: 0, backoff: 'none' },
      temporary: {
        retries: e.PHISHNET_RETRY_TEMPORARY_RETRIES,
        delayMs: e.PHISHNET_RETRY_TEMPORARY_DELAY_MS,
        backoff: 'exponential',
      },
      external: {
        retries: e.PHISHNET_RETRY_EXTERNAL_RETRIES,
        delayMs: e.PHISHNET_RETRY_EXTERNAL_DELAY_MS,
        backoff: 'exponential',
      },
      infrastructure: {
        retries: e.PHISHNET_RETRY_INFRASTRUCTURE_RETRIES,
        delayMs: e.PHISHNET_RETRY_INFRASTRUCTURE_DELAY_MS,
        backoff: 'exponential',
      },
      resource: {
        retries: e.PHISHNET_RETRY_RESOURCE_RETRIES,
        delayMs: e.PHISHNET_RETRY_RESOURCE_DELAY_MS,
        backoff: 'linear',
      },
    },
    feeds: {
      sources: e.PHISHNET_FEEDS,
      refreshMs: e.PHISHNET_FEED_REFRESH_MINUTES * MINUTE_MS,
      maxBytes: e.PHISHNET_FEED_MAX_BYTES,
    },
    redirects: {
      enabled: e.PHISHNET_RESOLVE_REDIRECTS,
      maxHops: e.PHISHNET_REDIRECT_MAX_HOPS,
      timeoutMs: e.PHISHNET_REDIRECT_TIMEOUT_MS,
    },
    providers: {
      intel: providerEndpoint(
        e.PHISHNET_INTEL_PROVIDER_URL,
        e.PHISHNET_INTEL_PROVIDER_API_KEY,
        e.PHISHNET_PROVIDER_TIMEOUT_MS,
      ),
      sandbox: providerEndpoint(
        e.PHISHNET_SANDBOX_URL,
        e.PHISHNET_SANDBOX_API_KEY,
        e.PHISHNET_PROVIDER_TIMEOUT_MS,
      ),
    },
    dlq: {
      maxEntries: e.PHISHNET_DLQ_MAX_ENTRIES,
      maxAgeMs: e.PHISHNET_DLQ_MAX_AGE_DAYS * DAY_MS,
    },
    routing: {
      realtimeMaxEmailBytes: e.PHISHNET_ROUTE_REALTIME_MAX_EMAIL_BYTES,
      realtimeMaxAttachments: e.PHISHNET_ROUTE_REALTIME_MAX_ATTACHMENTS,
      realtimeMaxLinks: e.PHISHNET_ROUTE_REALTIME_MAX_LINKS,
      standardMaxEmailBytes: e.PHISHNET_ROUTE_STANDARD_MAX_EMAIL_BYTES,
      spillBacklog: e.PHISHNET_ROUTE_SPILL_BACKLOG,
      spillOldestWaitSeconds: e.PHISHNET_ROUTE_SPILL_WAIT_SECONDS,
      loadCacheMs: e.PHISHNET_ROUTE_LOAD_CACHE_MS,
    },
    aging: {
      afterMs: e.PHISHNET_AGING_AFTER_SECONDS * SECOND_MS,
      intervalMs: e.PHISHNET_AGING_INTERVAL_SECONDS * SECOND_MS,
    },
    retentionIntervalMs: e.PHISHNET_RETENTION_INTERVAL_MINUTES * MINUTE_MS,
    systemStatusIntervalMs: e.PHISHNET_SYSTEM_STATUS_INTERVAL_MS,
    metricsSnapshotMs: e.PHISHNET_METRICS_SNAPSHOT_SECONDS * SECOND_MS,
    heartbeat: {
      intervalMs: e.PHISHNET_HEARTBEAT_INTERVAL_MS,
      deadRetentionMs: e.PHISHNET_WORKER_DEAD_RETENTION_SECONDS * SECOND_MS,
    },
    metricsToken: e.PHISHNET_METRICS_TOKEN,
    engine: {
      brandDomains: e.PHISHNET_BRAND_DOMAINS,
      trustedReceivers: e.PHISHNET_TRUSTED_RECEIVERS,
      thresholds,
    },
  });
}

/** Rules that join several variables, each broken one as a line naming them. */
function crossFieldProblems(e: Env, present: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (e.PHISHNET_BULK_MAX_EMAILS > e.PHISHNET_RATE_LIMIT_SUBMIT_EMAILS) {
    problems.push(
      `PHISHNET_BULK_MAX_EMAILS (${e.PHISHNET_BULK_MAX_EMAILS}) is above PHISHNET_RATE_LIMIT_SUBMIT_EMAILS (${e.PHISHNET_RATE_LIMIT_SUBMIT_EMAILS}): a bulk that large could never be accepted`,
    );
  }
  for (const origin of e.PHISHNET_CORS_ORIGINS) {
    if (!isOrigin(origin)) {
      problems.push(
        `PHISHNET_CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path, no wildcard)`,
      );
    }
  }
  if (e.REDIS_PASSWORD !== undefined) {
    if (e.REDIS_URL === undefined) {
      problems.push('REDIS_PASSWORD: needs REDIS_URL, the Redis it is for');
    } else if (new URL(e.REDIS_URL).password !== '') {
      problems.push('REDIS_PASSWORD: REDIS_URL has a password already; give it in one place');
    }
  }
  const thresholds = [
    e.PHISHNET_VERDICT_SUSPICIOUS,
    e.PHISHNET_VERDICT_PHISHING,
    e.PHISHNET_VERDICT_MALICIOUS,
  ] as const;
  if (!(thresholds[0] < thresholds[1] && thresholds[1] < thresholds[2])) {
    problems.push(
      'PHISHNET_VERDICT_SUSPICIOUS < PHISHNET_VERDICT_PHISHING < PHISHNET_VERDICT_MALICIOUS must hold',
    );
  }
  if (e.PHISHNET_MIN_WORKERS > e.PHISHNET_MAX_WORKERS) {
    problems.push(
      `PHISHNET_MIN_WORKERS (${e.PHISHNET_MIN_WORKERS}) must not be more than PHISHNET_MAX_WORKERS (${e.PHISHNET_MAX_WORKERS})`,
    );
  }
  if (e.PHISHNET_SCALE_DOWN_THRESHOLD >= e.PHISHNET_SCALE_UP_THRESHOLD) {
    problems.push(
      `PHISHNET_SCALE_DOWN_THRESHOLD (${e.PHISHNET_SCALE_DOWN_THRESHOLD}) must be below PHISHNET_SCALE_UP_THRESHOLD (${e.PHISHNET_SCALE_UP_THRESHOLD}), or the supervisor would flap`,
    );
  }
  // Silently ignoring it would run a different number of workers than the operator asked for.
  if (present.PHISHNET_WORKERS !== undefined) {
    problems.push(
      'PHISHNET_WORKERS: replaced by PHISHNET_MIN_WORKERS and PHISHNET_MAX_WORKERS (the supervisor scales between them); set PHISHNET_MIN_WORKERS instead',
    );
  }
  return problems;
}

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.origin === value.replace(/\/$/, '') &&
    !value.includes('*')
  );
}

function redisUrlWithPassword(
  url: string | undefined,
  password: string | undefined,
): string | undefined {
  if (url === undefined || password === undefined) return url;
  const withPassword = new URL(url);
  withPassword.password = encodeURIComponent(password);
  return withPassword.href;
}

/** Variable name → default (as text) and description, for `.env.example` and docs. */
export function describeEnv(): { name: string; default: string; description: string }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    // Parsing "unset" yields the default, in the type the code sees.
    const parsed = schema.safeParse(undefined);
    const fallback: unknown = parsed.success ? parsed.data : undefined;
    return {
      name,
      default: formatDefault(fallback),
      description: schema.description ?? '',
    };
  });
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
