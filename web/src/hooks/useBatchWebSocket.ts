/** A batch's counts as they move, over `/ws/batches/{batch_id}`, until all its jobs are done. */
import { useState } from 'react';
import { batchProgressSchema, type BatchProgressMessage } from '../../../src/contracts/ws.ts';
import { useServices } from './services.ts';
import { useLiveSocket, type LiveSocket } from './useLiveSocket.ts';

export function useBatchWebSocket(
  batchId: string | null,
  onUpdate?: (update: BatchProgressMessage) => void,
): LiveSocket & { lastUpdate: BatchProgressMessage | null } {
  const { wsBase } = useServices();
  const [last, setLast] = useState<BatchProgressMessage | null>(null);
  const live = useLiveSocket({
    url: batchId ? `${wsBase}/batches/${encodeURIComponent(batchId)}` : null,
    onMessage: (message) => {
      const parsed = batchProgressSchema.safeParse(message);
      if (!parsed.success || parsed.data.batch_id !== batchId) return;
      setLast(parsed.data);
      onUpdate?.(parsed.data);
    },
    isFinal: (message) => batchProgressSchema.safeParse(message).data?.type === 'batch_completed',
  });
  return { ...live, lastUpdate: last?.batch_id === batchId ? last : null };
}
