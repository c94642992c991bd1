/**
 * The dead-letter queue: what failed for good, why, and how often; filter by
 * class, lane and task; replay one or all (matching the filter); clear them,
 * after a confirmation.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { DlqFilter } from '../../../../src/contracts/dlq.ts';
import {
  FAILURE_CLASSES,
  jobKindSchema,
  WORK_LANES,
  type FailureClass,
} from '../../../../src/contracts/queues.ts';
import type { ApiClient } from '../../api/client.ts';
import { formatTime, plural, shortId } from '../../format.ts';
import { Badge, type Tone } from '../Badge/Badge.tsx';
import { Card } from '../Card/Card.tsx';
import { ConfirmAction } from '../ConfirmAction/ConfirmAction.tsx';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';
import { Link } from '../Link/Link.tsx';
import styles from './JobManagementDashboard.module.css';

const PAGE_SIZE = 20;
const CLASS_TONE: Record<FailureClass, Tone> = {
  temporary: 'warn',
  permanent: 'bad',
  resource: 'worse',
  external: 'info',
  infrastructure: 'neutral',
};
const KINDS = jobKindSchema.options;

export function DlqPanel({ api, refreshMs }: { api: ApiClient; refreshMs: number }) {
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<DlqFilter>({});
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['workers', 'dlq', filter, page],
    queryFn: () => api.deadLetters({ ...filter, page, page_size: PAGE_SIZE }),
    refetchInterval: refreshMs,
  });
  const settle = (): Promise<void> => queryClient.invalidateQueries({ queryKey: ['workers'] });
  const replay = useMutation({
    mutationFn: (taskId: string) => api.replayDeadLetter(taskId),
    onSuccess: (result) => {
      setMessage(`Replayed ${shortId(result.task_id)}: the job is back on its lane.`);
    },
    onSettled: settle,
  });
  const replayAll = useMutation({
    mutationFn: () => api.replayAllDeadLetters(filter),
    onSuccess: (result) => {
      setMessage(`Replayed ${plural(result.count, 'dead letter')}.`);
    },
    onSettled: settle,
  });
  const clear = useMutation({
    mutationFn: () => api.clearDeadLetters(filter),
    onSuccess: (result) => {
      setMessage(`Deleted ${plural(result.count, 'dead letter')}.`);
    },
    onSettled: settle,
  });
  const failed = [replay, replayAll, clear].find((mutation) => mutation.isError);
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const matching = describeFilter(filter);
  const busy = replayAll.isPending || clear.isPending;

  const choose = (next: DlqFilter): void => {
    setFilter(next);
    setPage(1);
  };
  const filtering = { filter, onChoose: choose };

  return (
    <Card
      title="Dead-letter queue"
      actions={
        <>
          <ConfirmAction
            label="Replay all"
            question={`Replay ${plural(total, 'dead letter')}${matching}?`}
            confirmLabel="Replay them"
            disabled={total === 0 || busy}
            onConfirm={() => {
              replayAll.mutate();
            }}
          />
          <ConfirmAction
            label="Clear"
            danger
            question={`Delete ${plural(total, 'dead letter')}${matching}? This cannot be undone.`}
            confirmLabel="Delete them"
            cancelLabel="Keep them"
            disabled={total === 0 || busy}
            onConfirm={() => {
              clear.mutate();
            }}
          />
        </>
      }
    >
      <div className={styles.toolbar} role="group" aria-label="Filter dead letters">
        <FilterSelect label="Class" field="class" options={FAILURE_CLASSES} {...filtering} />
        <FilterSelect label="Lane" field="lane" options={WORK_LANES} {...filtering} />
        <FilterSelect label="Task" field="task" options={KINDS} {...filtering} />
      </div>
      {list.data ? (
        <div className={styles.chips} aria-label="Dead letters by class">
          {FAILURE_CLASSES.map((value) => (
            <Badge key={value} tone={CLASS_TONE[value]}>
              {value}: {list.data.counts_by_class[value]}
            </Badge>
          ))}
        </div>
      ) : null}
      {list.isError ? (
        <ErrorNotice
          title="Could not load the dead-letter queue"
          error={list.error}
          onRetry={() => void list.refetch()}
        />
      ) : null}
      {failed ? <ErrorNotice title="That did not work" error={failed.error} /> : null}
      {list.isPending ? (
        <p className="muted" aria-busy="true">
          Loading dead letters…
        </p>
      ) : null}
      {list.data && list.data.entries.length === 0 ? (
        <p className={styles.empty}>
          {matching ? `No dead letters${matching}.` : 'The dead-letter queue is empty.'}
        </p>
      ) : null}
      {list.data && list.data.entries.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="Dead letters">
            <thead>
              <tr>
                <th>Failed at</th>
                <th>Task</th>
                <th>Class</th>
                <th>Error</th>
                <th className="num">Attempts</th>
                <th>Job</th>
                <th>
                  <span className="visually-hidden">Replay</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.entries.map((entry) => (
                <tr key={entry.task_id}>
                  <td>{formatTime(entry.failed_at)}</td>
                  <td>
                    {entry.task}
                    <div className="muted">{entry.lane}</div>
                  </td>
                  <td>
                    <Badge tone={CLASS_TONE[entry.error.class]}>{entry.error.class}</Badge>
                  </td>
                  <td className={styles.errorCell}>
                    <code>{entry.error.code}</code>
                    <div>{entry.error.message}</div>
                  </td>
                  <td className="num">
                    {entry.attempts}
                    {entry.replays > 0 ? (
                      <div className="muted">{entry.replays} replayed</div>
                    ) : null}
                  </td>
                  <td>
                    <Link href={`/jobs/${entry.job_id}`} className="mono">
                      {shortId(entry.job_id)}
                    </Link>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="small"
                      aria-label={`Replay ${entry.task_id}`}
                      disabled={replay.isPending && replay.variables === entry.task_id}
                      onClick={() => {
                        replay.mutate(entry.task_id);
                      }}
                    >
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {pages > 1 ? (
        <nav className={styles.pager} aria-label="Dead-letter pages">
          <button
            type="button"
            className="small"
            disabled={page <= 1}
            onClick={() => {
              setPage(page - 1);
            }}
          >
            Previous
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button
            type="button"
            className="small"
            disabled={page >= pages}
            onClick={() => {
              setPage(page + 1);
            }}
          >
            Next
          </button>
        </nav>
      ) : null}
      {message ? (
        <div className={styles.message} role="status">
          {message}
        </div>
      ) : null}
    </Card>
  );
}

/** A select for one field of the filter: one of `options`, or any. */
function FilterSelect<K extends keyof DlqFilter>(props: {
  label: string;
  field: K;
  options: readonly NonNullable<DlqFilter[K]>[];
  filter: DlqFilter;
  onChoose: (next: DlqFilter) => void;
}) {
  return (
    <label className={styles.field}>
      {props.label}
      <select
        value={props.filter[props.field] ?? ''}
        onChange={(event) => {
          const value = event.target.value as NonNullable<DlqFilter[K]> | '';
          props.onChoose(withFilter(props.filter, props.field, value));
        }}
      >
        <option value="">any</option>
        {props.options.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The filter with one field set, or removed when `value` is '' (any). */
function withFilter<K extends keyof DlqFilter>(
  filter: DlqFilter,
  key: K,
  value: NonNullable<DlqFilter[K]> | '',
): DlqFilter {
  const next: Record<string, string | undefined> = { ...filter, [key]: value };
  // '' means any: the field leaves the filter rather than asking for an empty value.
  return Object.fromEntries(
    Object.entries(next).filter(([, field]) => field !== '' && field !== undefined),
  );
}

function describeFilter(filter: DlqFilter): string {
  const parts = Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name} ${String(value)}`);
  return parts.length ? ` with ${parts.join(', ')}` : '';
}
