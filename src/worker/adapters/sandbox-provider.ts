/**
 * An external (dynamic) sandbox for `sandbox_analysis`: a service that runs an attachment and
 * says what it did. The interface is what the task needs; the HTTP one is the contract in
 * docs/providers.md (one synchronous request per attachment: a sandbox that works by submit
 * and poll sits behind a small adapter service that waits for its report).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ProviderEndpoint } from '../../config/config.ts';
import type { ParsedAttachment } from '../../engine/index.ts';
import { askProvider } from './provider-http.ts';

export const SANDBOX_VERDICTS = ['malicious', 'suspicious', 'clean', 'unknown'] as const;

export interface SandboxReport {
  verdict: (typeof SANDBOX_VERDICTS)[number];
  /** What the sandbox saw the file do, in its own words. */
  signatures: string[];
  reportUrl: string | null;
}

export interface SandboxProvider {
  readonly name: string;
  /** Runs one attachment; its failures are `external`. */
  detonate(attachment: ParsedAttachment, signal: AbortSignal): Promise<SandboxReport>;
}

const answerSchema = z.object({
  verdict: z.enum(SANDBOX_VERDICTS),
  signatures: z.array(z.string().max(500)).max(100).default([]),
  report_url: z.url().max(2048).optional(),
});

/** POSTs `{ filename, mime_type, sha256, size, content_base64 }`; reads `{ verdict, signatures?, report_url? }`. */
export function httpSandboxProvider(endpoint: ProviderEndpoint): SandboxProvider {
  return {
    name: endpoint.name,
    async detonate(attachment, signal) {
      const { content } = attachment;
      const answer = await askProvider(
        endpoint,
        {
          filename: attachment.filename,
          mime_type: attachment.mimeType,
          sha256: createHash('sha256').update(content).digest('hex'),
          size: content.byteLength,
          content_base64: Buffer.from(
            content.buffer,
            content.byteOffset,
            content.byteLength,
          ).toString('base64'),
        },
        answerSchema,
        signal,
      );
      return {
        verdict: answer.verdict,
        signatures: answer.signatures,
        reportUrl: answer.report_url ?? null,
      };
    },
  };
}
