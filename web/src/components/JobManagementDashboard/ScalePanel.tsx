/**
 * Scale controls: a fixed number of worker processes (for all lanes or one), or
 * automatic between a minimum and a maximum. The supervisor does the work; this
 * shows what it decided and why, and says plainly when scaling is unavailable.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { WORK_LANES, type WorkLane } from '../../../../src/contracts/queues.ts';
import { MAX_WORKERS_LIMIT, type ScaleStatus } from '../../../../src/contracts/workers.ts';
import { isApiError, type ApiClient, type ScaleRequest } from '../../api/client.ts';
import { formatTime } from '../../format.ts';
import { Badge } from '../Badge/Badge.tsx';
import { Card } from '../Card/Card.tsx';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';
import styles from './JobManagementDashboard.module.css';

type Mode = 'fixed' | 'auto';

export function ScalePanel({ api, refreshMs }: { api: ApiClient; refreshMs: number }) {
  const queryClient = useQueryClient();
  const state = useQuery({
    queryKey: ['workers', 'scale'],
    queryFn: () => api.scaleState(),
    refetchInterval: refreshMs,
    // A server without scaling answers 404 every time; asking again changes nothing.
    retry: (count, error) => !(isApiError(error) && error.status < 500) && count < 2,
  });
  const [form, setForm] = useState<{
    mode: Mode | null;
    workers: string | null;
    lane: WorkLane | '';
    min: string | null;
    max: string | null;
  }>({ mode: null, workers: null, lane: '', min: null, max: null });
  const scale = useMutation({
    mutationFn: (request: ScaleRequest) => api.scale(request),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['workers'] }),
  });

  const current = state.data;
  const external = current?.orchestrator === 'kubernetes';
  const mode: Mode = form.mode ?? current?.mode ?? 'fixed';
  // Untouched fields show what the supervisor has now. A fixed count is per supervisor and
  // counts general workers only, which `desired_workers` (summed, lanes included) is not.
  const workers = form.workers ?? String(current?.last_decision?.target_workers ?? 1);
  const min = form.min ?? String(current?.min_workers ?? 1);
  const max = form.max ?? String(current?.max_workers ?? 4);

  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const request: ScaleRequest =
      mode === 'fixed'
        ? { mode, workers: Number(workers), ...(form.lane ? { lane: form.lane } : {}) }
        : { mode, min_workers: Number(min), max_workers: Number(max) };
    scale.mutate(request);
  };

  return (
    <Card title="Scaling">
      <div className={styles.twoCol}>
        <div>
          {state.isError ? (
            <ErrorNotice
              title={
                isApiError(state.error) && state.error.status === 404
                  ? 'Scaling is not available on this server'
                  : 'Could not read the scaling state'
              }
              error={state.error}
              onRetry={() => void state.refetch()}
            />
          ) : state.isPending ? (
            <p className="muted" aria-busy="true">
              Loading the scaling state…
            </p>
          ) : (
            <ScaleFacts state={state.data} />
          )}
        </div>
        <div>
          <form onSubmit={submit} aria-label="Scale workers">
            <div className={styles.toolbar}>
              <fieldset className={styles.modes}>
                <legend>Mode</legend>
                {(['fixed', 'auto'] as const).map((value) => (
                  <label key={value}>
                    <input
                      type="radio"
                      name="scale-mode"
                      value={value}
                      checked={mode === value}
                      onChange={() => {
                        setForm({ ...form, mode: value });
                      }}
                    />
                    {value === 'fixed' ? 'Fixed count' : 'Automatic'}
                  </label>
                ))}
              </fieldset>
            </div>
            <div className={styles.toolbar}>
              {mode === 'fixed' ? (
                <>
                  <label className={styles.field}>
                    Worker processes
                    <input
                      type="number"
                      min={0}
                      max={MAX_WORKERS_LIMIT}
                      required
                      value={workers}
                      onChange={(event) => {
                        setForm({ ...form, workers: event.target.value });
                      }}
                    />
                  </label>
                  <label className={styles.field}>
                    For
                    <select
                      value={form.lane}
                      onChange={(event) => {
                        setForm({ ...form, lane: event.target.value as WorkLane | '' });
                      }}
                    >
                      <option value="">all lanes</option>
                      {WORK_LANES.map((lane) => (
                        <option key={lane} value={lane}>
                          {lane} only
                        </option>
                      ))}
                    </select>
                  </label>
                </>
              ) : (
                <>
                  <label className={styles.field}>
                    Minimum
                    <input
                      type="number"
                      min={0}
                      max={MAX_WORKERS_LIMIT}
                      required
                      value={min}
                      onChange={(event) => {
                        setForm({ ...form, min: event.target.value });
                      }}
                    />
                  </label>
                  <label className={styles.field}>
                    Maximum
                    <input
                      type="number"
                      min={1}
                      max={MAX_WORKERS_LIMIT}
                      required
                      value={max}
                      onChange={(event) => {
                        setForm({ ...form, max: event.target.value });
                      }}
                    />
                  </label>
                </>
              )}
              <button type="submit" className="primary" disabled={scale.isPending || external}>
                {scale.isPending ? 'Applying…' : 'Apply'}
              </button>
            </div>
          </form>
          {scale.isError ? <ErrorNotice title="Scaling was refused" error={scale.error} /> : null}
          {scale.isSuccess ? (
            <div className={styles.message} role="status">
              {scale.data.message}
            </div>
          ) : null}
        </div>
      </div>
    </Card>
  );
}

function ScaleFacts({ state }: { state: ScaleStatus }) {
  const decision = state.last_decision;
  const lanes = Object.entries(state.lanes ?? {});
  if (state.orchestrator === 'kubernetes') {
    return (
      <dl className={styles.facts} aria-label="Scaling state">
        <dt>Mode</dt>
        <dd>
          <Badge tone="info">Kubernetes</Badge> workers are scaled by KEDA, not from here
        </dd>
      </dl>
    );
  }
  return (
    <dl className={styles.facts} aria-label="Scaling state">
      <dt>Mode</dt>
      <dd>
        <Badge tone="info">{state.mode === 'auto' ? 'automatic' : 'fixed'}</Badge>{' '}
        {state.mode === 'auto' ? `between ${state.min_workers} and ${state.max_workers}` : null}
      </dd>
      <dt>Workers</dt>
      <dd>
        {state.current_workers} running, {state.desired_workers} wanted
      </dd>
      <dt>Supervisors</dt>
      <dd>
        {state.supervisors === 0
          ? 'none running: changes apply when `phishnet start` runs'
          : `${state.supervisors} (each applies the count on its host)`}
      </dd>
      {lanes.map(([lane, counts]) => (
        <LaneFact key={lane} lane={lane} counts={counts} />
      ))}
      <dt>Last decision</dt>
      <dd>
        {decision
          ? `${decision.action === 'hold' ? 'hold' : `scale ${decision.action}`} to ${decision.target_workers}: ${decision.reason} (${formatTime(decision.at)})`
          : 'none yet'}
      </dd>
      {state.cooldown_remaining_seconds > 0 ? (
        <>
          <dt>Cooldown</dt>
          <dd>{Math.ceil(state.cooldown_remaining_seconds)} s before the next change</dd>
        </>
      ) : null}
    </dl>
  );
}

function LaneFact({
  lane,
  counts,
}: {
  lane: string;
  counts: { workers: number; current_workers: number; desired_workers: number } | undefined;
}) {
  if (!counts) return null;
  return (
    <>
      <dt>{lane} only</dt>
      <dd>
        {counts.workers} per supervisor: {counts.current_workers} running, {counts.desired_workers}{' '}
        wanted
      </dd>
    </>
  );
}
