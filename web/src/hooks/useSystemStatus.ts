/** Queue depths every few seconds over `/ws/system`, for the dashboard's live charts. */
import { systemStatusSchema, type SystemStatusMessage } from '../../../src/contracts/ws.ts';
import { useLiveSocket, type LiveSocket } from './useLiveSocket.ts';

export function useSystemStatus(
  wsBase: string | null,
  onStatus: (status: SystemStatusMessage['data']) => void,
): LiveSocket {
  return useLiveSocket({
    url: wsBase === null ? null : `${wsBase}/system`,
    onMessage: (message) => {
      const parsed = systemStatusSchema.safeParse(message);
      if (parsed.success) onStatus(parsed.data.data);
    },
  });
}
