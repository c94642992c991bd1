/**
 * A verdict as an analyst reads it: the class and score, the findings that
 * decided it in plain words, every link with its verdict and why, attachments
 * with their types, hashes and findings, and the authentication results.
 */
import type { ReactNode } from 'react';
import type {
  AnalysisResult,
  AuthResult,
  Finding,
  Verdict,
} from '../../../../src/contracts/analysis-result.ts';
import { VERDICTS } from '../../../../src/contracts/analysis-result.ts';
import { formatBytes, formatTime } from '../../format.ts';
import { Badge, VerdictBadge, type Tone } from '../Badge/Badge.tsx';
import { Card } from '../Card/Card.tsx';
import styles from './VerdictView.module.css';

const BANNER: Record<Verdict, string> = {
  clean: styles.bannerClean ?? '',
  suspicious: styles.bannerSuspicious ?? '',
  phishing: styles.bannerPhishing ?? '',
  malicious: styles.bannerMalicious ?? '',
};

const AUTH_TONE: Record<AuthResult, Tone> = {
  pass: 'ok',
  fail: 'bad',
  softfail: 'warn',
  neutral: 'neutral',
  none: 'neutral',
  temperror: 'warn',
  permerror: 'bad',
  policy: 'warn',
  unknown: 'neutral',
};

const SEVERITY_TONE: Record<Finding['severity'], Tone> = {
  info: 'neutral',
  low: 'info',
  medium: 'warn',
  high: 'bad',
  critical: 'worse',
};

/**
 * A link's reason is `finding.id: evidence`; the finding's own sentence says it
 * in plain words, so that is shown, with the evidence after it.
 */
function explainReason(reason: string, findings: Map<string, Finding>): string {
  const colon = reason.indexOf(': ');
  const id = colon > 0 ? reason.slice(0, colon) : reason;
  const finding = findings.get(id);
  if (!finding) return reason;
  const detail = colon > 0 ? reason.slice(colon + 2) : '';
  return detail ? `${finding.explanation} (${detail})` : finding.explanation;
}

function severityRank(verdict: Verdict): number {
  return VERDICTS.indexOf(verdict);
}

export function VerdictView({ result }: { result: AnalysisResult }) {
  const byId = new Map(result.findings.map((finding) => [finding.id, finding]));
  const decisive = result.decisive.flatMap((id) => {
    const finding = byId.get(id);
    return finding ? [finding] : [];
  });
  const links = [...result.links].sort((a, b) => severityRank(b.verdict) - severityRank(a.verdict));
  return (
    <div className={styles.view}>
      <section className={`${styles.banner} ${BANNER[result.verdict]}`} aria-label="Verdict">
        <div className={styles.score}>
          {Math.round(result.score)}
          <span className={styles.scoreUnit}>score / 100</span>
        </div>
        <div>
          <VerdictBadge verdict={result.verdict} large />
          <p className={styles.summary}>{result.summary}</p>
        </div>
      </section>

      <div className={styles.grid}>
        <Card title="Why">
          {decisive.length === 0 ? (
            <p className="muted">Nothing decisive was found.</p>
          ) : (
            <ol className={styles.reasons} aria-label="Decisive findings">
              {decisive.map((finding) => (
                <li key={finding.id}>
                  {finding.explanation} <SeverityBadge severity={finding.severity} />
                  <Evidence evidence={finding.evidence} />
                </li>
              ))}
            </ol>
          )}
        </Card>
        <Card title="The email">
          <dl className={styles.meta}>
            <dt>Subject</dt>
            <dd>{result.email.subject || '(none)'}</dd>
            <dt>From</dt>
            <dd>{result.email.from || '(none)'}</dd>
            <dt>To</dt>
            <dd>{result.email.to.join(', ') || '(none)'}</dd>
            <dt>Date</dt>
            <dd>{result.email.date ? formatTime(result.email.date) : '(none)'}</dd>
            <dt>Size</dt>
            <dd>
              {formatBytes(result.email.size_bytes)} · {result.email.link_count} links ·{' '}
              {result.email.attachment_count} attachments
            </dd>
          </dl>
          <h3 style={{ marginTop: '0.9rem' }}>Authentication</h3>
          <dl className={styles.auth} aria-label="Authentication results">
            {(['spf', 'dkim', 'dmarc', 'arc'] as const).map((method) => (
              <div key={method}>
                <dt>{method}</dt>
                <dd>
                  <Badge tone={AUTH_TONE[result.authentication[method]]}>
                    {result.authentication[method]}
                  </Badge>
                </dd>
              </div>
            ))}
          </dl>
        </Card>
      </div>

      <Card title={`Links (${result.links.length})`}>
        <VerdictTable label="Links" subject="Link" reasons="Why" empty="The email has no links.">
          {links.map((link, index) => (
            <tr key={`${link.url}-${index}`}>
              <td>
                <VerdictBadge verdict={link.verdict} />
              </td>
              <td className={styles.wideCell}>
                <div className={styles.url}>{link.url}</div>
                {link.anchor_text && link.anchor_text !== link.url ? (
                  <div className={styles.shownAs}>shown as “{link.anchor_text}”</div>
                ) : null}
                <div className={styles.shownAs}>
                  {link.registrable_domain ?? link.host} · in {link.source}
                </div>
              </td>
              <td className={styles.wideCell}>
                <Reasons reasons={link.reasons.map((reason) => explainReason(reason, byId))} />
              </td>
            </tr>
          ))}
        </VerdictTable>
      </Card>

      <Card title={`Attachments (${result.attachments.length})`}>
        <VerdictTable
          label="Attachments"
          subject="File"
          reasons="Findings"
          empty="The email has no attachments."
        >
          {result.attachments.map((attachment) => (
            <tr key={attachment.sha256}>
              <td>
                <VerdictBadge verdict={attachment.verdict} />
              </td>
              <td className={styles.wideCell}>
                <strong>{attachment.filename ?? '(unnamed)'}</strong>
                <div className="muted">
                  declared {attachment.declared_type}
                  {attachment.detected_type && attachment.detected_type !== attachment.declared_type
                    ? `, really ${attachment.detected_type}`
                    : ''}{' '}
                  · {formatBytes(attachment.size_bytes)}
                </div>
                <dl className={styles.hashes}>
                  <dt>MD5</dt>
                  <dd>{attachment.md5}</dd>
                  <dt>SHA-1</dt>
                  <dd>{attachment.sha1}</dd>
                  <dt>SHA-256</dt>
                  <dd>{attachment.sha256}</dd>
                </dl>
              </td>
              <td>
                <Reasons reasons={attachment.findings} />
              </td>
            </tr>
          ))}
        </VerdictTable>
      </Card>

      <Card title={`All findings (${result.findings.length})`}>
        <details>
          <summary>Show every finding, by analyzer</summary>
          <div className="table-scroll" style={{ marginTop: '0.6rem' }}>
            <table aria-label="All findings">
              <thead>
                <tr>
                  <th>Analyzer</th>
                  <th>Severity</th>
                  <th className="num">Score</th>
                  <th>Finding</th>
                </tr>
              </thead>
              <tbody>
                {result.findings.map((finding) => (
                  <tr key={`${finding.id}-${finding.evidence}`}>
                    <td>{finding.analyzer}</td>
                    <td>
                      <SeverityBadge severity={finding.severity} />
                    </td>
                    <td className="num">{finding.score}</td>
                    <td>
                      {finding.explanation}
                      <Evidence evidence={finding.evidence} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted" style={{ marginTop: '0.5rem' }}>
            Analyzers run: {result.analyzers.join(', ')} · engine time{' '}
            {Math.round(result.engine_ms)} ms
          </p>
        </details>
      </Card>
    </div>
  );
}

/** Links and attachments: a verdict, the thing and why, a row each; or a line saying none. */
function VerdictTable(props: {
  label: string;
  subject: string;
  reasons: string;
  empty: string;
  children: ReactNode[];
}) {
  if (props.children.length === 0) return <p className="muted">{props.empty}</p>;
  return (
    <div className="table-scroll">
      <table aria-label={props.label} className={styles.stack}>
        <thead>
          <tr>
            <th>Verdict</th>
            <th>{props.subject}</th>
            <th>{props.reasons}</th>
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

function Reasons({ reasons }: { reasons: readonly string[] }) {
  if (reasons.length === 0) return <span className="muted">nothing wrong found</span>;
  return (
    <ul className={styles.why}>
      {reasons.map((reason) => (
        <li key={reason}>{reason}</li>
      ))}
    </ul>
  );
}

function SeverityBadge({ severity }: { severity: Finding['severity'] }) {
  return <Badge tone={SEVERITY_TONE[severity]}>{severity}</Badge>;
}

function Evidence({ evidence }: { evidence: string }) {
  return evidence ? <code className={styles.evidence}>{evidence}</code> : null;
}
