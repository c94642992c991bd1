/** The app's pages by path; signed-out users see the sign-in page wherever they land. */
import { useEffect } from 'react';
import { Layout } from './components/Layout/Layout.tsx';
import { useAuth } from './hooks/useAuth.ts';
import { matchPath, navigate, useLocation } from './hooks/useRoute.ts';
import { BatchPage } from './pages/BatchPage.tsx';
import { BatchesPage } from './pages/BatchesPage.tsx';
import { DashboardPage } from './pages/DashboardPage.tsx';
import { JobPage } from './pages/JobPage.tsx';
import { JobsPage } from './pages/JobsPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { SubmitPage } from './pages/SubmitPage.tsx';

function Redirect({ to }: { to: string }) {
  useEffect(() => {
    navigate(to, { replace: true });
  }, [to]);
  return null;
}

export function App() {
  const auth = useAuth();
  const { path, search } = useLocation();
  if (!auth.token || !auth.me) {
    const next =
      path === '/signin'
        ? (search.get('next') ?? '/submit')
        : `${path}${search.size ? `?${search.toString()}` : ''}`;
    return <SignInPage next={next} />;
  }
  if (path === '/signin') return <Redirect to={search.get('next') ?? '/submit'} />;
  if (path === '/') return <Redirect to="/submit" />;
  return <Layout>{page(path)}</Layout>;
}

function page(path: string) {
  if (path === '/submit') return <SubmitPage />;
  if (path === '/jobs') return <JobsPage />;
  if (path === '/batches') return <BatchesPage />;
  if (path === '/dashboard' || path === '/api/v1/workers/dashboard') return <DashboardPage />;
  const job = matchPath('/jobs/:id', path);
  if (job?.id) return <JobPage key={job.id} jobId={job.id} />;
  const batch = matchPath('/batches/:id', path);
  if (batch?.id) return <BatchPage key={batch.id} batchId={batch.id} />;
  return <NotFoundPage path={path} />;
}
