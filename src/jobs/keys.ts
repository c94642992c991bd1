/** Every Redis key PhishNet writes outside BullMQ's own, in one place (see docs/redis-keys.md). */
export function keys(prefix: string) {
  return {
    /** STRING, gzip of a raw email, by sha256; expires with the results. */
    blob: (sha256: string) => `${prefix}:blob:${sha256}`,
    /** HASH per job: lane, task, analysis type, owner, last error; expires with the results. */
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    /** ZSET of top-level job ids scored by submission time (ms), for search; pruned past retention. */
    jobIndex: () => `${prefix}:jobs:by-time`,
    /** SET of a comprehensive flow's children that have finished, for the parent's progress. */
    flowDone: (jobId: string) => `${prefix}:job:${jobId}:done`,
    /** STRING: a part of the flow completed after its parent's last run began, which may have missed it. */
    flowStale: (jobId: string) => `${prefix}:job:${jobId}:stale`,
    /** STRING, short-lived: whoever sets it first takes that dead letter (replay, clear). */
    dlqClaim: (taskId: string) => `${prefix}:dlq:claim:${taskId}`,
    /** HASH per bulk submission: total, analysis type, owner, created_at, and counters `completed`, `failed`, `verdict:{v}`. */
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    /** ZSET of batch ids scored by creation time (ms), for listing; pruned past retention. */
    batchIndex: () => `${prefix}:batches:by-time`,
    /** LIST of a batch's job ids, in submission order. */
    batchJobs: (batchId: string) => `${prefix}:batch:${batchId}:jobs`,
    /** Pub/sub channel: a job id published here is cancelled wherever it runs. */
    cancelChannel: () => `${prefix}:cancel`,
    /** LIST of JSON snapshots of lane depths, newest first, capped (see METRICS_HISTORY_LENGTH). */
    metricsHistory: () => `${prefix}:metrics:history`,
    /** HASH per worker process: its last heartbeat; expires once it has been dead for a while. */
    worker: (workerId: string) => `${prefix}:worker:${workerId}`,
    /** ZSET of worker ids scored by their last heartbeat (ms); pruned by readers. */
    workers: () => `${prefix}:workers`,
    /** STRING, JSON `ScaleControl`: what operators asked of the supervisors (mode, bounds, fixed counts). */
    scaleControl: () => `${prefix}:scale:control`,
    /** Pub/sub channel: the new `ScaleControl` JSON, so supervisors act at once rather than at their next check. */
    scaleChannel: () => `${prefix}:scale:changed`,
    /** STRING, JSON `SupervisorState` of one supervisor; expires after 3 of its intervals without an update. */
    supervisor: (supervisorId: string) => `${prefix}:supervisor:${supervisorId}`,
    /** ZSET of supervisor ids scored by their last update (ms); pruned by readers. */
    supervisors: () => `${prefix}:supervisors`,
    /** HASH of job counters and duration sums of one minute (epoch minute); 25 h TTL. */
    statsMinute: (epochMinute: number) => `${prefix}:stats:minute:${epochMinute}`,
    /** HASH, the same counters per hour (epoch hour), so a 24 h sum reads ~25 hashes; 26 h TTL. */
    statsHour: (epochHour: number) => `${prefix}:stats:hour:${epochHour}`,
    /** STRING, JSON principal of a WebSocket ticket, by the ticket's sha256; GETDEL on use, 30 s TTL. */
    wsTicket: (sha256: string) => `${prefix}:auth:ws-ticket:${sha256}`,
    /** STRING, JSON principal of a dashboard session cookie, by the cookie's sha256; TTL = the session. */
    session: (sha256: string) => `${prefix}:auth:session:${sha256}`,
    /** Prefix of the per-user rate-limit counters (rate-limiter-flexible adds `:{sub}`); TTL = the window. */
    rateLimit: (kind: 'submit' | 'api') => `${prefix}:ratelimit:${kind}`,
    /** HASH of all-time counters and duration buckets per task, for Prometheus counters. */
    statsTotals: () => `${prefix}:stats:totals`,
  };
}
