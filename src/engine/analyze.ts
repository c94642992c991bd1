/**
 * The engine's entry point: parse once, run the requested analyzers on the
 * shared model, merge what they report and decide the verdict.
 */
import type {
  Analyzer,
  AnalysisResult,
  Authentication,
  EmailSummary,
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

export async function analyzeEmail(
  input: EmailInput | ParsedEmail,
  options: EngineOptions,
  ports: EnginePorts = {},
): Promise<AnalysisResult> {
  const started = performance.now();
  const email = isParsedEmail(input) ? input : await parseEmail(input, options.limits);
  const selected = options.analyzers.flatMap((analyzer) => {
    const run = ANALYZER_FNS[analyzer];
    return run === undefined ? [] : [{ analyzer, run }];
  });
  const context = { options, ports };
  const outputs: AnalyzerOutput[] = await Promise.all(
    selected.map(({ run }) => Promise.resolve(run(email, context))),
  );
  const findings = outputs.flatMap((o) => o.findings);
  const links = outputs.flatMap((o) => o.links ?? []);
  const decision = decideVerdict(findings, options.thresholds);
  return {
    ...decision,
    findings,
    email: summarizeEmail(email, links),
    authentication: outputs.reduce<Authentication>(
      (merged, o) => ({ ...merged, ...o.authentication }),
      NO_AUTHENTICATION,
    ),
    links,
    attachments: outputs.flatMap((o) => o.attachments ?? []),
    analyzers: selected.map(({ analyzer }) => analyzer),
    engine_ms: performance.now() - started,
  };
}
