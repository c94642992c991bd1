/**
 * The engine's entry point: parse once, run the requested analyzers on the
 * shared model, merge what they report and decide the verdict.
 */
import type {
  Analyzer,
  AnalysisResult,
  AttachmentReport,
  Authentication,
  EmailSummary,
  Finding,
  LinkReport,
} from '../contracts/analysis-result.ts';
import type { AnalyzerFn, AnalyzerOutput } from './analyzer.ts';
import { analyzeAttachments } from './analyzers/attachments.ts';
import { analyzeContent } from './analyzers/content.ts';
import { analyzeHeaders } from './analyzers/headers.ts';
import { analyzeIntel } from './analyzers/intel.ts';
import { analyzeLinks } from './analyzers/links.ts';
import { analyzeMl } from './analyzers/ml.ts';
import { parseEmail } from './parse.ts';
import type { EmailInput, EngineOptions, EnginePorts, ParsedEmail } from './types.ts';
import { decideVerdict } from './verdict.ts';

/** Parsing always happens; the `parser` analyzer decides whether its findings count. */
const reportParseFindings: AnalyzerFn = (email) => ({ findings: email.parseFindings });

/** Every analyzer the engine can run. Analyzers not listed here are skipped, not errors. */
export const ANALYZER_FNS: Readonly<Partial<Record<Analyzer, AnalyzerFn>>> = {
  parser: reportParseFindings,
  headers: analyzeHeaders,
  links: analyzeLinks,
  content: analyzeContent,
  attachments: analyzeAttachments,
  intel: analyzeIntel,
  ml: analyzeMl,
};

/**
 * Whether a scan reads the attachments' bytes: the attachment analyzer inspects them and the
 * intel analyzer hashes them when it has indicators to match. No other analyzer reads them, so
 * without these two the parser need not decode them (see `ParseOptions`).
 */
function readsAttachmentBytes(analyzers: readonly Analyzer[], ports: EnginePorts): boolean {
  return (
    analyzers.includes('attachments') ||
    (analyzers.includes('intel') && ports.indicators !== undefined)
  );
}

const NO_AUTHENTICATION: Authentication = { spf: 'none', dkim: 'none', dmarc: 'none', arc: 'none' };

function isParsedEmail(input: EmailInput | ParsedEmail): input is ParsedEmail {
  return 'parseFindings' in input;
}

function summarizeEmail(email: ParsedEmail, links: readonly LinkReport[]): EmailSummary {
  return {
    subject: email.subject,
    from: email.from?.address ?? '',
    to: email.to.map((m) => m.address),
    date: email.date,
    message_id: email.messageId,
    size_bytes: email.raw.byteLength,
    link_count: links.length,
    attachment_count: email.attachments.length,
  };
}

/**
 * The analyzers run in the order asked for, each called once; only asynchronous outputs are
 * awaited (together), so a scan whose analyzers all answer at once costs no extra ticks.
 * Plain loops rather than `flatMap` and spreads: this runs once per email and was a few per
 * cent of a quick scan.
 */
export async function analyzeEmail(
  input: EmailInput | ParsedEmail,
  options: EngineOptions,
  ports: EnginePorts = {},
): Promise<AnalysisResult> {
  const started = performance.now();
  const email = isParsedEmail(input)
    ? input
    : await parseEmail(input, options.limits, {
        attachmentBytes: readsAttachmentBytes(options.analyzers, ports),
      });
  const analyzers: Analyzer[] = [];
  const pending: (AnalyzerOutput | Promise<AnalyzerOutput>)[] = [];
  const context = { options, ports };
  let isAsync = false;
  for (const analyzer of options.analyzers) {
    const run = ANALYZER_FNS[analyzer];
    if (run === undefined) continue;
    const output = run(email, context);
    if (output instanceof Promise) isAsync = true;
    analyzers.push(analyzer);
    pending.push(output);
  }
  const outputs = isAsync
    ? await Promise.all(pending.map(async (output) => output))
    : (pending as AnalyzerOutput[]);
  const findings: Finding[] = [];
  const links: LinkReport[] = [];
  const attachments: AttachmentReport[] = [];
  const authentication: Authentication = { ...NO_AUTHENTICATION };
  for (const output of outputs) {
    for (const finding of output.findings) findings.push(finding);
    if (output.links) for (const link of output.links) links.push(link);
    if (output.attachments)
      for (const attachment of output.attachments) attachments.push(attachment);
    if (output.authentication) Object.assign(authentication, output.authentication);
  }
  const { verdict, score, decisive, summary } = decideVerdict(findings, options.thresholds);
  // Spelled out rather than spread: the same keys in the same order, without copying a map per result.
  return {
    verdict,
    score,
    decisive,
    summary,
    findings,
    email: summarizeEmail(email, links),
    authentication,
    links,
    attachments,
    analyzers,
    engine_ms: performance.now() - started,
  };
}
