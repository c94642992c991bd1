import styles from './ProgressBar.module.css';

export function ProgressBar(props: {
  value: number;
  label: string;
  tone?: 'running' | 'done' | 'failed';
}) {
  const value = Math.max(0, Math.min(100, Math.round(props.value)));
  const tone = props.tone === 'done' ? styles.done : props.tone === 'failed' ? styles.failed : '';
  return (
    <div className={styles.wrap}>
      <div
        className={styles.track}
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
      >
        <div className={`${styles.fill} ${tone}`} style={{ width: `${value}%` }} />
      </div>
      <span className={styles.value}>{value}%</span>
    </div>
  );
}
