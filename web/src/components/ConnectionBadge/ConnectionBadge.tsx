import type { LiveSocket } from '../../hooks/useLiveSocket.ts';
import { Badge } from '../Badge/Badge.tsx';

/** A dropped WebSocket is shown, never silent. */
export function ConnectionBadge({ live, what }: { live: LiveSocket; what: string }) {
  switch (live.state) {
    case 'open':
      return (
        <Badge tone="ok" dot title={`${what}: connected`}>
          Live
        </Badge>
      );
    case 'idle':
    case 'connecting':
      return (
        <Badge tone="neutral" dot title={`${what}: connecting`}>
          Connecting…
        </Badge>
      );
    case 'reconnecting':
      return (
        <span role="status">
          <Badge tone="warn" dot title={live.error ?? undefined}>
            {`Connection lost — reconnecting${live.retries > 1 ? ` (attempt ${live.retries})` : ''}`}
          </Badge>
        </span>
      );
    case 'closed':
      return live.error ? (
        <span role="status">
          <Badge tone="bad" dot>{`Disconnected: ${live.error}`}</Badge>
        </span>
      ) : (
        <Badge tone="neutral" dot>
          Finished
        </Badge>
      );
  }
}
