/** Every Redis key PhishNet writes outside BullMQ's own, in one place (see docs/redis-keys.md). */
export function keys(prefix: string) {
  return {
    /** STRING, gzip of a raw email, by sha256; expires with the results. */
    blob: (sha256: string) => `${prefix}:blob:${sha256}`,
    /** HASH per job: lane, task, analysis type, last error; expires with the results. */
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    /** LIST of JSON snapshots of lane depths, newest first, capped (see METRICS_HISTORY_LENGTH). */
    metricsHistory: () => `${prefix}:metrics:history`,
  };
}
