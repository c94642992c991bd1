import type { ReactNode } from 'react';
import type { Verdict } from '../../../../src/contracts/analysis-result.ts';
import type { JobStatusValue } from '../../../../src/contracts/api.ts';
import type { WorkerState } from '../../../../src/contracts/workers.ts';
import styles from './Badge.module.css';

export type Tone = 'neutral' | 'info' | 'ok' | 'warn' | 'bad' | 'worse';

export function Badge(props: {
  tone: Tone;
  children: ReactNode;
  large?: boolean;
  dot?: boolean;
  title?: string | undefined;
}) {
  const className = [styles.badge, styles[props.tone], props.large ? styles.large : '']
    .filter(Boolean)
    .join(' ');
  return (
    <span className={className} title={props.title}>
      {props.dot ? <span className={styles.dot} aria-hidden="true" /> : null}
      {props.children}
    </span>
  );
}

export const VERDICT_TONE: Record<Verdict, Tone> = {
  clean: 'ok',
  suspicious: 'warn',
  phishing: 'bad',
  malicious: 'worse',
};

export function VerdictBadge({ verdict, large }: { verdict: Verdict; large?: boolean }) {
  return (
    <Badge tone={VERDICT_TONE[verdict]} large={large ?? false}>
      {verdict}
    </Badge>
  );
}

const STATUS_TONE: Record<JobStatusValue, Tone> = {
  pending: 'neutral',
  processing: 'info',
  completed: 'ok',
  failed: 'bad',
  cancelled: 'neutral',
};

export function StatusBadge({ status }: { status: JobStatusValue }) {
  return (
    <Badge tone={STATUS_TONE[status]} dot>
      {status}
    </Badge>
  );
}

const WORKER_TONE: Record<WorkerState, Tone> = { alive: 'ok', busy: 'info', dead: 'bad' };

export function WorkerStateBadge({ state }: { state: WorkerState }) {
  return (
    <Badge tone={WORKER_TONE[state]} dot>
      {state}
    </Badge>
  );
}
