/** Every Redis key PhishNet writes outside BullMQ's own, in one place (see docs/redis-keys.md). */
export function keys(prefix: string) {
  return {
    /** STRING, gzip of a raw email, by sha256; expires with the results. */
    blob: (sha256: string) => `${prefix}:blob:${sha256}`,
    /** HASH per job: lane, task, analysis type, last error; expires with the results. */
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    /** SET of a comprehensive flow's children that have finished, for the parent's progress. */
    flowDone: (jobId: string) => `${prefix}:job:${jobId}:done`,
    /** STRING, short-lived: whoever sets it first takes that dead letter (replay, clear). */
    dlqClaim: (taskId: string) => `${prefix}:dlq:claim:${taskId}`,
    /** Pub/sub channel: a job id published here is cancelled wherever it runs. */
    cancelChannel: () => `${prefix}:cancel`,
    /** LIST of JSON snapshots of lane depths, newest first, capped (see METRICS_HISTORY_LENGTH). */
    metricsHistory: () => `${prefix}:metrics:history`,
  };
}
