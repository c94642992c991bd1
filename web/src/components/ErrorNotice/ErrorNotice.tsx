import { isApiError } from '../../api/client.ts';
import styles from './ErrorNotice.module.css';

/** What went wrong, in the API's own words, with its code and a way to try again. */
export function ErrorNotice(props: { title: string; error: unknown; onRetry?: () => void }) {
  const { error } = props;
  const message = error instanceof Error ? error.message : String(error);
  const code = isApiError(error)
    ? `${error.code}${error.status ? ` · HTTP ${error.status}` : ''}${error.requestId ? ` · request ${error.requestId}` : ''}`
    : null;
  return (
    <div className={styles.notice} role="alert">
      <div>
        <div className={styles.title}>{props.title}</div>
        <div>{message}</div>
        {code ? <div className={styles.code}>{code}</div> : null}
      </div>
      {props.onRetry ? (
        <button type="button" className="small" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
