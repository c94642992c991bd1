import { AppError } from '../lib/errors.ts';
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
import { envSchema } from './env-schema.ts';

/** One validated, frozen configuration; the only reader of `process.env`. */
export interface Config {
  readonly redisUrl: string | undefined;
  readonly http: { readonly port: number; readonly host: string };
  readonly prefix: string;
  readonly logLevel: string;
  readonly allowEviction: boolean;
  readonly redisDataDir: string;
  readonly limits: { readonly maxEmailBytes: number; readonly bulkMaxEmails: number };
  readonly retention: {
    readonly resultTtlMs: number;
    readonly keepCompleted: number;
    readonly keepFailed: number;
  };
  readonly workers: {
    readonly processes: number;
    readonly concurrency: number;
    /** BullMQ's lockDuration and stalledInterval. */
    readonly lockMs: number;
    readonly shutdownGraceMs: number;
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

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as they do in most shells and .env files.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      details: problems,
    });
  }
  const e = parsed.data;
  const thresholds = {
    suspicious: e.PHISHNET_VERDICT_SUSPICIOUS,
    phishing: e.PHISHNET_VERDICT_PHISHING,
    malicious: e.PHISHNET_VERDICT_MALICIOUS,
  };
  if (!(
    thresholds.suspicious < thresholds.phishing && thresholds.phishing < thresholds.malicious
  )) {
    throw new AppError(
      'CONFIG_INVALID',
      'invalid configuration: PHISHNET_VERDICT_SUSPICIOUS < PHISHNET_VERDICT_PHISHING < PHISHNET_VERDICT_MALICIOUS must hold',
    );
  }
  return deepFreeze({
    redisUrl: e.REDIS_URL,
    http: { port: e.PORT, host: e.HOST },
    prefix: e.PHISHNET_PREFIX,
    logLevel: e.PHISHNET_LOG_LEVEL,
    allowEviction: e.PHISHNET_ALLOW_EVICTION,
    redisDataDir: e.PHISHNET_REDIS_DATA_DIR,
    limits: {
      maxEmailBytes: e.PHISHNET_MAX_EMAIL_BYTES,
      bulkMaxEmails: e.PHISHNET_BULK_MAX_EMAILS,
    },
    retention: {
      resultTtlMs: e.PHISHNET_RESULT_TTL_SECONDS * SECOND_MS,
      keepCompleted: e.PHISHNET_KEEP_COMPLETED,
      keepFailed: e.PHISHNET_KEEP_FAILED,
    },
    workers: {
      processes: e.PHISHNET_WORKERS,
      concurrency: e.PHISHNET_WORKER_CONCURRENCY,
      lockMs: e.PHISHNET_WORKER_LOCK_MS,
      shutdownGraceMs: e.PHISHNET_SHUTDOWN_GRACE_MS,
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
