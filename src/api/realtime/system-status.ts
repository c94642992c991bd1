import type { SystemStatusMessage } from '../../contracts/ws.ts';
import { laneDepths, type Queues } from '../../jobs/queues.ts';

export type StatusListener = (message: SystemStatusMessage) => void;

/** One timer per API instance, running only while someone listens. */
export class SystemStatusBroadcaster {
  private readonly listeners = new Set<StatusListener>();
  private timer: NodeJS.Timeout | undefined;
  private readonly queues: Queues;
  private readonly intervalMs: number;

  constructor(queues: Queues, intervalMs: number) {
    this.queues = queues;
    this.intervalMs = intervalMs;
  }

  async snapshot(): Promise<SystemStatusMessage> {
    const lanes = await laneDepths(this.queues);
    const queueDepths = Object.fromEntries(
      Object.entries(lanes).map(([lane, depth]) => [lane, depth.waiting + depth.delayed]),
    ) as SystemStatusMessage['data']['queue_depths'];
    return {
      type: 'system_status',
      data: { timestamp: new Date().toISOString(), queue_depths: queueDepths, lanes },
    };
  }

  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.broadcast(), this.intervalMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async broadcast(): Promise<void> {
    try {
      const message = await this.snapshot();
      for (const listener of this.listeners) listener(message);
    } catch {
      // Redis away: skip this beat; the next one tries again.
    }
  }
}
