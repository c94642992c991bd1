/**
 * The seed's worker dashboard, `<JobManagementDashboard apiBaseUrl="/api/v1" />`:
 * statistics, live queue depths and throughput, workers and their heartbeats,
 * scale controls, pause and resume per lane, and the dead-letter queue. It
 * works inside the app (sharing its API client and cache) or on its own.
 */
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query';
import { useContext, useMemo, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient } from '../../api/client.ts';
import { defaultWsBase, useOptionalServices } from '../../hooks/services.ts';
import { readStoredToken } from '../../hooks/useAuth.ts';
import { DlqPanel } from './DlqPanel.tsx';
import { LanesPanel } from './LanesPanel.tsx';
import { LiveCharts } from './LiveCharts.tsx';
import { ScalePanel } from './ScalePanel.tsx';
import { StatCards } from './StatCards.tsx';
import { WorkersTable } from './WorkersTable.tsx';
import styles from './JobManagementDashboard.module.css';

export interface JobManagementDashboardProps {
  /** Where the API lives; the seed's default is `/api/v1`. */
  apiBaseUrl?: string;
  /** A client of one's own (tests); otherwise the app's, or one made for `apiBaseUrl`. */
  api?: ApiClient;
  /** WebSocket base for live queue depths; defaults to the app's or this page's host. */
  wsBase?: string;
  /** How often the tables refresh, in ms. */
  refreshMs?: number;
}

export function JobManagementDashboard(props: JobManagementDashboardProps) {
  const hasQueryClient = useContext(QueryClientContext) !== undefined;
  const content = <DashboardContent {...props} />;
  return hasQueryClient ? content : <OwnQueryClient>{content}</OwnQueryClient>;
}

function OwnQueryClient({ children }: { children: ReactNode }) {
  const [client] = useState(() => new QueryClient());
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

function DashboardContent(props: JobManagementDashboardProps) {
  const services = useOptionalServices();
  const baseUrl = (props.apiBaseUrl ?? services?.api.baseUrl ?? '/api/v1').replace(/\/+$/, '');
  const ownApi = useMemo(() => createApiClient({ baseUrl, getToken: readStoredToken }), [baseUrl]);
  const api = props.api ?? (services && services.api.baseUrl === baseUrl ? services.api : ownApi);
  const wsBase = props.wsBase ?? services?.wsBase ?? defaultWsBase(window.location);
  const refreshMs = props.refreshMs ?? 5_000;
  return (
    <div className={styles.dashboard}>
      <StatCards api={api} refreshMs={refreshMs} />
      <LiveCharts api={api} wsBase={wsBase} />
      <LanesPanel api={api} refreshMs={refreshMs} />
      <WorkersTable api={api} refreshMs={refreshMs} />
      <ScalePanel api={api} refreshMs={refreshMs} />
      <DlqPanel api={api} refreshMs={refreshMs * 2} />
    </div>
  );
}
