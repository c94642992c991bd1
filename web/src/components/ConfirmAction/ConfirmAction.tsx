/**
 * A button whose action waits for a second, explicit yes: the question appears
 * in place, focused on "keep", and Escape backs out.
 */
import { useEffect, useRef, useState } from 'react';
import styles from './ConfirmAction.module.css';

export function ConfirmAction(props: {
  label: string;
  question: string;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) keepRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        className={`small ${props.danger ? 'danger' : ''}`}
        disabled={props.disabled}
        onClick={() => {
          setAsking(true);
        }}
      >
        {props.label}
      </button>
    );
  }
  return (
    <div
      className={styles.confirm}
      role="alertdialog"
      aria-label={props.question}
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false);
      }}
    >
      <span className={styles.question}>{props.question}</span>
      <button
        type="button"
        className={`small ${props.danger ? 'danger' : 'primary'}`}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </button>
      <button
        type="button"
        className="small"
        ref={keepRef}
        onClick={() => {
          setAsking(false);
        }}
      >
        {props.cancelLabel ?? 'Cancel'}
      </button>
    </div>
  );
}
