import { useId, type ReactNode } from 'react';
import styles from './Card.module.css';

/** A titled section of a page (a landmark named by its title); `actions` sit right of it. */
export function Card(props: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const headingId = useId();
  return (
    <section
      className={`${styles.card} ${props.className ?? ''}`}
      aria-labelledby={props.title ? headingId : undefined}
    >
      {props.title || props.actions ? (
        <div className={styles.header}>
          {props.title ? <h2 id={headingId}>{props.title}</h2> : <span />}
          {props.actions ? <div className={styles.actions}>{props.actions}</div> : null}
        </div>
      ) : null}
      {props.children}
    </section>
  );
}
