/**
 * Search the jobs by sender, subject, verdict and date. The filters live in the
 * URL, so a search can be shared and the back button returns to it.
 */
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import type { SubmitEvent } from 'react';
import { VERDICTS, verdictSchema } from '../../../src/contracts/analysis-result.ts';
import type { JobListQuery } from '../../../src/contracts/api.ts';
import { Card } from '../components/Card/Card.tsx';
import { ErrorNotice } from '../components/ErrorNotice/ErrorNotice.tsx';
import { isActive, JobTracker } from '../components/JobTracker/JobTracker.tsx';
import { Link } from '../components/Link/Link.tsx';
import { formatTime } from '../format.ts';
import { useServices } from '../hooks/services.ts';
import { navigate, useLocation } from '../hooks/useRoute.ts';
import styles from './Pages.module.css';

const FILTERS = ['sender', 'subject', 'verdict', 'from', 'to'] as const;
const PAGE_SIZE = 25;

/** A date field's day as the start (or end) of that day in the browser's time zone. */
function dayBound(day: string | null, end: boolean): string | undefined {
  if (!day) return undefined;
  const date = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function toJobQuery(search: URLSearchParams): JobListQuery {
  const verdict = verdictSchema.safeParse(search.get('verdict'));
  const query: JobListQuery = { limit: PAGE_SIZE };
  const sender = search.get('sender')?.trim();
  const subject = search.get('subject')?.trim();
  const from = dayBound(search.get('from'), false);
  const to = dayBound(search.get('to'), true);
  if (sender) query.sender = sender;
  if (subject) query.subject = subject;
  if (verdict.success) query.verdict = verdict.data;
  if (from) query.from = from;
  if (to) query.to = to;
  return query;
}

export function JobsPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const { search } = useLocation();
  const query = toJobQuery(search);
  const filtered = FILTERS.some((name) => search.get(name));
  const jobs = useInfiniteQuery({
    queryKey: ['jobs', query],
    queryFn: ({ pageParam }) => api.searchJobs(pageParam ? { ...query, cursor: pageParam } : query),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: (q) =>
      q.state.data?.pages.some((page) => page.jobs.some((job) => isActive(job.status)))
        ? 5_000
        : false,
  });

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const value = form.get(name);
      if (typeof value === 'string' && value.trim()) params.set(name, value.trim());
    }
    const text = params.toString();
    navigate(text ? `/jobs?${text}` : '/jobs');
  };

  // A job re-read while pages load (a refetch) must not appear twice.
  const all = [
    ...new Map(
      (jobs.data?.pages.flatMap((page) => page.jobs) ?? []).map((job) => [job.job_id, job]),
    ).values(),
  ];
  const last = jobs.data?.pages.at(-1);
  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <div>
          <h1>Jobs</h1>
          <p className={styles.lead}>Newest first. Search by sender, subject, verdict and date.</p>
        </div>
      </div>
      <Card>
        {/* Keyed by the URL, so the fields show the search in force after back and forward. */}
        <form
          key={search.toString()}
          className={styles.row}
          onSubmit={submit}
          role="search"
          aria-label="Search jobs"
        >
          <label className={`${styles.field} ${styles.grow}`}>
            Sender
            <input type="search" name="sender" defaultValue={search.get('sender') ?? ''} />
          </label>
          <label className={`${styles.field} ${styles.grow}`}>
            Subject
            <input type="search" name="subject" defaultValue={search.get('subject') ?? ''} />
          </label>
          <label className={styles.field}>
            Verdict
            <select name="verdict" defaultValue={search.get('verdict') ?? ''}>
              <option value="">any</option>
              {VERDICTS.map((verdict) => (
                <option key={verdict} value={verdict}>
                  {verdict}
                </option>
              ))}
            </select>
          </label>
          <label className={styles.field}>
            From
            <input type="date" name="from" defaultValue={search.get('from') ?? ''} />
          </label>
          <label className={styles.field}>
            To
            <input type="date" name="to" defaultValue={search.get('to') ?? ''} />
          </label>
          <button type="submit" className="primary">
            Search
          </button>
          {filtered ? (
            <button
              type="button"
              onClick={() => {
                navigate('/jobs');
              }}
            >
              Clear
            </button>
          ) : null}
        </form>
      </Card>
      {jobs.isError ? (
        <ErrorNotice
          title="Could not search the jobs"
          error={jobs.error}
          onRetry={() => void jobs.refetch()}
        />
      ) : null}
      {jobs.isPending ? (
        <p className="muted" aria-busy="true">
          Searching…
        </p>
      ) : null}
      {jobs.data ? (
        <JobTracker
          jobs={all}
          isRefreshing={jobs.isFetching && !jobs.isFetchingNextPage}
          onRefresh={() => void jobs.refetch()}
          onCancelJob={async (jobId) => {
            await api.cancelJob(jobId);
            await queryClient.invalidateQueries({ queryKey: ['jobs'] });
          }}
          empty={
            filtered ? (
              'No jobs match this search.'
            ) : (
              <>
                No jobs yet. <Link href="/submit">Submit an email</Link>.
              </>
            )
          }
        />
      ) : null}
      {last?.next_cursor ? (
        <div className={styles.more}>
          {last.searched_until ? (
            <span>Searched back to {formatTime(last.searched_until)}.</span>
          ) : null}
          <button
            type="button"
            disabled={jobs.isFetchingNextPage}
            onClick={() => void jobs.fetchNextPage()}
          >
            {jobs.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </div>
  );
}
