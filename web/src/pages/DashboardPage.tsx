import { Card } from '../components/Card/Card.tsx';
import { JobManagementDashboard } from '../components/JobManagementDashboard/JobManagementDashboard.tsx';
import { useAuth } from '../hooks/useAuth.ts';
import styles from './Pages.module.css';

export function DashboardPage() {
  const { me } = useAuth();
  if (me?.role !== 'admin') {
    return (
      <Card title="Workers">
        <p>The worker dashboard is for administrators. Your role is {me?.role ?? 'unknown'}.</p>
      </Card>
    );
  }
  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <div>
          <h1>Workers</h1>
          <p className={styles.lead}>
            Queues, workers and failures, live. Job data itself is in the{' '}
            <a href="/admin/queues" target="_blank" rel="noreferrer">
              BullMQ dashboard
            </a>
            .
          </p>
        </div>
      </div>
      <JobManagementDashboard apiBaseUrl="/api/v1" />
    </div>
  );
}
