import { useState, type SubmitEvent } from 'react';
import { checkToken } from '../api/check-token.ts';
import { Card } from '../components/Card/Card.tsx';
import { ErrorNotice } from '../components/ErrorNotice/ErrorNotice.tsx';
import { useServices } from '../hooks/services.ts';
import { useAuth } from '../hooks/useAuth.ts';
import { navigate } from '../hooks/useRoute.ts';
import styles from './Pages.module.css';

/** A token pasted in, checked with the server, kept for this tab only. */
export function SignInPage({ next }: { next: string }) {
  const auth = useAuth();
  const { api } = useServices();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (!trimmed) {
      setError(new Error('Paste your token first.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await checkToken(api, trimmed);
      if (me.role === 'admin') {
        // The dashboards served by the API (`/api/v1/workers/dashboard`, `/admin/queues`)
        // take a cookie, not a header. Without it only those pages ask again: sign in anyway.
        await api.openDashboardSession(trimmed).catch(() => undefined);
      }
      auth.signIn(trimmed, me);
      navigate(next.startsWith('/') && !next.startsWith('/signin') ? next : '/submit', {
        replace: true,
      });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={styles.center}>
      <div className={styles.signin}>
        <Card title="Sign in to PhishNet">
          <form className={styles.form} onSubmit={(event) => void submit(event)}>
            <p className="muted" style={{ margin: 0 }}>
              Paste your API token. An administrator issues it (
              <code>npx phishnet token &lt;user&gt; --role analyst</code>). It stays in this tab
              only and is gone when the tab closes.
            </p>
            {auth.notice ? (
              <div role="status" className={styles.warning}>
                {auth.notice}
              </div>
            ) : null}
            <label className={styles.field}>
              Token
              <input
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={token}
                onChange={(event) => {
                  setToken(event.target.value);
                }}
                placeholder="eyJhbGciOi…"
                autoFocus
              />
            </label>
            {error ? <ErrorNotice title="Sign-in failed" error={error} /> : null}
            <div>
              <button type="submit" className="primary" disabled={busy}>
                {busy ? 'Checking…' : 'Sign in'}
              </button>
            </div>
          </form>
        </Card>
      </div>
    </div>
  );
}
