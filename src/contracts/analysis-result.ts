/**
 * The analysis result: what every task returns and what the API, WebSocket and
 * front end show. Produced by `src/engine`, stored as the BullMQ job's return value.
 */
import { z } from 'zod';

export const ANALYZERS = [
  'parser',
  'headers',
  'links',
  'content',
  'attachments',
  'intel',
  'ml',
  'sandbox',
  /** Notes of a comprehensive flow about its own parts. */
  'flow',
] as const;
export const analyzerSchema = z.enum(ANALYZERS);
export type Analyzer = z.infer<typeof analyzerSchema>;

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

export const VERDICTS = ['clean', 'suspicious', 'phishing', 'malicious'] as const;
export const verdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof verdictSchema>;

/** One piece of evidence. `id` is stable (`links.ip_host`) so tests and UIs can branch on it. */
export const findingSchema = z.object({
  id: z.string(),
  analyzer: analyzerSchema,
  severity: severitySchema,
  /** Contribution to the verdict score, 0–100. */
  score: z.number().min(0).max(100),
  /** What was seen, quoted: a URL, a header value, a file name. */
  evidence: z.string(),
  /** One sentence in plain words for an analyst. */
  explanation: z.string(),
});
export type Finding = z.infer<typeof findingSchema>;

export const authResultSchema = z.enum([
  'pass',
  'fail',
  'softfail',
  'neutral',
  'none',
  'temperror',
  'permerror',
  'policy',
  'unknown',
]);
export type AuthResult = z.infer<typeof authResultSchema>;

export const authenticationSchema = z.object({
  spf: authResultSchema,
  dkim: authResultSchema,
  dmarc: authResultSchema,
  arc: authResultSchema,
});
export type Authentication = z.infer<typeof authenticationSchema>;

export const linkReportSchema = z.object({
  url: z.string(),
  host: z.string(),
  registrable_domain: z.string().nullable(),
  /** Where it was found: `text`, `href`, `src`, `form`, `srcset`, `css`. */
  source: z.string(),
  anchor_text: z.string().nullable(),
  verdict: verdictSchema,
  reasons: z.array(z.string()),
});
export type LinkReport = z.infer<typeof linkReportSchema>;

export const attachmentReportSchema = z.object({
  filename: z.string().nullable(),
  declared_type: z.string(),
  detected_type: z.string().nullable(),
  size_bytes: z.number().int().nonnegative(),
  md5: z.string(),
  sha1: z.string(),
  sha256: z.string(),
  verdict: verdictSchema,
  findings: z.array(z.string()),
});
export type AttachmentReport = z.infer<typeof attachmentReportSchema>;

export const emailSummarySchema = z.object({
  subject: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  date: z.string().nullable(),
  message_id: z.string().nullable(),
  size_bytes: z.number().int().nonnegative(),
  link_count: z.number().int().nonnegative(),
  attachment_count: z.number().int().nonnegative(),
});
export type EmailSummary = z.infer<typeof emailSummarySchema>;

export const analysisResultSchema = z.object({
  verdict: verdictSchema,
  /** 0 (nothing wrong) to 100 (certainly hostile). */
  score: z.number().min(0).max(100),
  /** The decisive findings in plain words. */
  summary: z.string(),
  /** Ids of the findings that decided the verdict, strongest first. */
  decisive: z.array(z.string()),
  findings: z.array(findingSchema),
  email: emailSummarySchema,
  authentication: authenticationSchema,
  links: z.array(linkReportSchema),
  attachments: z.array(attachmentReportSchema),
  /** Which analyzers ran. */
  analyzers: z.array(analyzerSchema),
  /** Engine wall time for this analysis. */
  engine_ms: z.number().nonnegative(),
});
export type AnalysisResult = z.infer<typeof analysisResultSchema>;
