import styles from './StatCard.module.css';

/** One figure with its name; `dd`/`dt` so it reads as "Pending: 12". */
export function StatCard(props: {
  label: string;
  value: string;
  hint?: string;
  tone?: 'ok' | 'warn' | 'bad';
  loading?: boolean;
}) {
  return (
    <div
      className={`${styles.card} ${props.tone ? styles[props.tone] : ''}`}
      aria-busy={props.loading}
    >
      <dt className={styles.label}>{props.label}</dt>
      <dd className={styles.value} style={{ marginLeft: 0 }}>
        {props.loading ? '…' : props.value}
      </dd>
      {props.hint ? (
        <dd className={styles.hint} style={{ marginLeft: 0 }}>
          {props.hint}
        </dd>
      ) : null}
    </div>
  );
}
