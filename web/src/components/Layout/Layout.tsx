import type { ReactNode } from 'react';
import { useOptionalServices } from '../../hooks/services.ts';
import { useAuth } from '../../hooks/useAuth.ts';
import { useLocation } from '../../hooks/useRoute.ts';
import { Link } from '../Link/Link.tsx';
import styles from './Layout.module.css';

interface NavItem {
  href: string;
  label: string;
  adminOnly?: boolean;
  /** A page of the server, not of this app (the BullMQ dashboard). */
  external?: boolean;
  matches: (path: string) => boolean;
}

const NAV: NavItem[] = [
  { href: '/submit', label: 'Submit', matches: (path) => path === '/submit' },
  { href: '/jobs', label: 'Jobs', matches: (path) => path.startsWith('/jobs') },
  { href: '/batches', label: 'Batches', matches: (path) => path.startsWith('/batches') },
  {
    href: '/dashboard',
    label: 'Workers',
    adminOnly: true,
    matches: (path) => path === '/dashboard' || path === '/api/v1/workers/dashboard',
  },
  {
    href: '/admin/queues',
    label: 'Queues (BullMQ) ↗',
    adminOnly: true,
    external: true,
    matches: () => false,
  },
];

export function Layout({ children }: { children: ReactNode }) {
  const auth = useAuth();
  const { path } = useLocation();
  const services = useOptionalServices();
  const isAdmin = auth.me?.role === 'admin';
  return (
    <>
      <a className={styles.skip} href="#main">
        Skip to content
      </a>
      <header className={styles.header}>
        <div className={styles.bar}>
          <Link href="/submit" className={styles.brand}>
            <svg className={styles.logo} viewBox="0 0 16 16" aria-hidden="true">
              <rect width="16" height="16" rx="3" fill="#3b6fd8" />
              <path d="M3 5h10v6H3z" fill="none" stroke="#fff" strokeWidth="1.4" />
              <path d="M3 5l5 4 5-4" fill="none" stroke="#fff" strokeWidth="1.4" />
            </svg>
            PhishNet
          </Link>
          <nav className={styles.nav} aria-label="Main">
            {NAV.filter((item) => !item.adminOnly || isAdmin).map((item) =>
              item.external ? (
                <a key={item.href} href={item.href} target="_blank" rel="noreferrer">
                  {item.label}
                </a>
              ) : (
                <Link
                  key={item.href}
                  href={item.href}
                  aria-current={item.matches(path) ? 'page' : undefined}
                >
                  {item.label}
                </Link>
              ),
            )}
          </nav>
          {auth.me ? (
            <div className={styles.user}>
              <span>
                {auth.me.sub} · {auth.me.role}
              </span>
              <button
                type="button"
                className="small"
                onClick={() => {
                  // Admins also hold the dashboards' cookie; drop it, whatever the answer.
                  if (isAdmin) void services?.api.closeDashboardSession().catch(() => undefined);
                  auth.signOut();
                }}
              >
                Sign out
              </button>
            </div>
          ) : null}
        </div>
      </header>
      <main id="main" className={styles.main}>
        {children}
      </main>
    </>
  );
}
