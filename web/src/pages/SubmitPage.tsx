/**
 * Submit emails: upload `.eml` files (drag and drop; several at once become one
 * bulk submission), paste a raw message, or fill in the fields. A single email
 * opens its job page, where its progress arrives live; a batch opens its batch page.
 */
import { useState, type DragEvent, type SubmitEvent } from 'react';
import {
  ANALYSIS_TYPES,
  PRIORITIES,
  type AnalysisType,
  type Priority,
} from '../../../src/contracts/queues.ts';
import { readFileAsBase64 } from '../api/client.ts';
import { Card } from '../components/Card/Card.tsx';
import { ErrorNotice } from '../components/ErrorNotice/ErrorNotice.tsx';
import { formatBytes } from '../format.ts';
import { useServices } from '../hooks/services.ts';
import { navigate } from '../hooks/useRoute.ts';
import styles from './Pages.module.css';

type Mode = 'upload' | 'paste' | 'fields';

const MODES: { id: Mode; label: string }[] = [
  { id: 'upload', label: 'Upload .eml files' },
  { id: 'paste', label: 'Paste a raw email' },
  { id: 'fields', label: 'Fill in the fields' },
];

const TYPE_INFO: Record<AnalysisType, string> = {
  quick: 'Headers, links and content. Seconds.',
  standard: 'Adds DKIM over DNS, the trained model and the threat feeds.',
  comprehensive: 'Adds the deep attachment scan and an isolated sandbox. Slowest.',
};

function isEmailFile(file: File): boolean {
  return /\.eml$/i.test(file.name) || file.type === 'message/rfc822';
}

export function SubmitPage() {
  const { api } = useServices();
  const [mode, setMode] = useState<Mode>('upload');
  const [analysisType, setAnalysisType] = useState<AnalysisType>('quick');
  const [priority, setPriority] = useState<Priority | ''>('');
  const [files, setFiles] = useState<File[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const [raw, setRaw] = useState('');
  const [fields, setFields] = useState({ subject: '', sender: '', content: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const addFiles = (list: FileList | null): void => {
    const incoming = [...(list ?? [])];
    const good = incoming.filter(isEmailFile);
    setRejected(incoming.filter((file) => !isEmailFile(file)).map((file) => file.name));
    setFiles((current) => {
      const names = new Set(current.map((file) => `${file.name}:${file.size}`));
      return [...current, ...good.filter((file) => !names.has(`${file.name}:${file.size}`))];
    });
  };

  const onDrop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    addFiles(event.dataTransfer.files);
  };

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    const chosen = priority === '' ? undefined : priority;
    try {
      setBusy(true);
      if (mode === 'upload') {
        const [first] = files;
        if (!first) throw new Error('Choose or drop at least one .eml file.');
        if (files.length === 1) {
          const accepted = await api.submitFile(first, analysisType, chosen ?? 'normal');
          navigate(`/jobs/${accepted.job_id}`);
        } else {
          const emails = await Promise.all(
            files.map(async (file) => ({ raw: await readFileAsBase64(file) })),
          );
          const accepted = await api.submitBulk({
            emails,
            analysis_type: analysisType,
            // Bulk work yields to single submissions unless told otherwise.
            priority: chosen ?? 'low',
          });
          navigate(`/batches/${accepted.batch_id}`);
        }
      } else if (mode === 'paste') {
        if (!raw.trim()) throw new Error('Paste the whole email, headers first.');
        const accepted = await api.submit({
          raw,
          analysis_type: analysisType,
          priority: chosen ?? 'normal',
        });
        navigate(`/jobs/${accepted.job_id}`);
      } else {
        if (!fields.content.trim()) throw new Error('Give at least the body of the email.');
        const accepted = await api.submit({
          ...fields,
          analysis_type: analysisType,
          priority: chosen ?? 'normal',
        });
        navigate(`/jobs/${accepted.job_id}`);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const bulk = mode === 'upload' && files.length > 1;
  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <div>
          <h1>Submit emails</h1>
          <p className={styles.lead}>
            Send a suspicious email for analysis and follow it live until its verdict.
          </p>
        </div>
      </div>
      <Card>
        <form className={styles.form} onSubmit={(event) => void submit(event)}>
          <div className={styles.tabs} role="group" aria-label="How to give the email">
            {MODES.map((item) => (
              <button
                key={item.id}
                type="button"
                className={styles.tab}
                aria-pressed={mode === item.id}
                onClick={() => {
                  setMode(item.id);
                }}
              >
                {item.label}
              </button>
            ))}
          </div>

          {mode === 'upload' ? (
            <div className={styles.form}>
              <label
                className={`${styles.drop} ${dragging ? styles.dropActive : ''}`}
                onDragOver={(event) => {
                  event.preventDefault();
                  setDragging(true);
                }}
                onDragLeave={() => {
                  setDragging(false);
                }}
                onDrop={onDrop}
              >
                <strong>Drop .eml files here, or choose them</strong>
                <span className={styles.hint}>
                  One file is one job; several become one batch you can follow together.
                </span>
                <input
                  className="visually-hidden"
                  type="file"
                  accept=".eml,message/rfc822"
                  multiple
                  aria-label="Email files (.eml)"
                  onChange={(event) => {
                    addFiles(event.target.files);
                    event.target.value = '';
                  }}
                />
              </label>
              {rejected.length > 0 ? (
                <p className={styles.warning} role="status">
                  Not an .eml file, left out: {rejected.join(', ')}
                </p>
              ) : null}
              {files.length > 0 ? (
                <ul className={styles.files} aria-label="Chosen files">
                  {files.map((file) => (
                    <li key={`${file.name}:${file.size}`}>
                      <span className={styles.fileName} title={file.name}>
                        {file.name}
                      </span>
                      <span className="muted">{formatBytes(file.size)}</span>
                      <button
                        type="button"
                        className="small"
                        aria-label={`Remove ${file.name}`}
                        onClick={() => {
                          setFiles(files.filter((other) => other !== file));
                        }}
                      >
                        Remove
                      </button>
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}

          {mode === 'paste' ? (
            <label className={styles.field}>
              The whole email (RFC 822: headers, an empty line, the body)
              <textarea
                rows={12}
                className="mono"
                spellCheck={false}
                value={raw}
                onChange={(event) => {
                  setRaw(event.target.value);
                }}
                placeholder={
                  'From: "PayPal" <alert@paypa1-secure.com>\nSubject: Verify your account\n\n…'
                }
              />
            </label>
          ) : null}

          {mode === 'fields' ? (
            <div className={styles.form}>
              <div className={styles.row}>
                <label className={`${styles.field} ${styles.grow}`}>
                  Sender
                  <input
                    type="text"
                    value={fields.sender}
                    onChange={(event) => {
                      setFields({ ...fields, sender: event.target.value });
                    }}
                    placeholder="PayPal <alert@paypa1-secure.com>"
                  />
                </label>
                <label className={`${styles.field} ${styles.grow}`}>
                  Subject
                  <input
                    type="text"
                    value={fields.subject}
                    onChange={(event) => {
                      setFields({ ...fields, subject: event.target.value });
                    }}
                  />
                </label>
              </div>
              <label className={styles.field}>
                Body (text or HTML)
                <textarea
                  rows={8}
                  value={fields.content}
                  onChange={(event) => {
                    setFields({ ...fields, content: event.target.value });
                  }}
                />
              </label>
            </div>
          ) : null}

          <fieldset className={styles.choices}>
            <legend>Analysis</legend>
            {ANALYSIS_TYPES.map((type) => (
              <label key={type} className={styles.choice}>
                <input
                  type="radio"
                  name="analysis-type"
                  value={type}
                  checked={analysisType === type}
                  onChange={() => {
                    setAnalysisType(type);
                  }}
                />
                <span>
                  <span className={styles.choiceTitle}>{type}</span>
                  <br />
                  <span className={styles.hint}>{TYPE_INFO[type]}</span>
                </span>
              </label>
            ))}
          </fieldset>

          <div className={styles.row}>
            <label className={styles.field}>
              Priority
              <select
                value={priority}
                onChange={(event) => {
                  setPriority(event.target.value as Priority | '');
                }}
              >
                <option value="">default ({bulk ? 'low for a batch' : 'normal'})</option>
                {PRIORITIES.map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="primary" disabled={busy}>
              {busy
                ? 'Submitting…'
                : bulk
                  ? `Submit ${files.length} emails as a batch`
                  : 'Submit for analysis'}
            </button>
          </div>
          {error ? <ErrorNotice title="The email was not submitted" error={error} /> : null}
        </form>
      </Card>
    </div>
  );
}
