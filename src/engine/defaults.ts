/** The engine's defaults in one visible place, units in the names. */
import { ANALYZERS } from '../contracts/analysis-result.ts';
import { DEFAULT_MIME_LIMITS } from '../lib/mime-scan.ts';
import { DEFAULT_BRAND_DOMAINS } from './brands.ts';
import type { EngineOptions } from './types.ts';

const MIB = 1024 * 1024;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = Object.freeze({
  analyzers: ANALYZERS,
  brandDomains: DEFAULT_BRAND_DOMAINS,
  trustedReceivers: [],
  thresholds: Object.freeze({ suspicious: 30, phishing: 60, malicious: 85 }),
  limits: Object.freeze({
    maxBytes: 25 * MIB,
    // The API refuses mail beyond these at submission (src/lib/mime-scan.ts), with the same numbers.
    maxHeaderBytes: DEFAULT_MIME_LIMITS.maxHeaderBytes,
    maxMimeDepth: DEFAULT_MIME_LIMITS.maxMimeDepth,
    maxAttachments: DEFAULT_MIME_LIMITS.maxAttachments,
  }),
});

/** The analyzers a quick scan runs: everything that reads only the message itself. */
export const QUICK_ANALYZERS = ['parser', 'headers', 'links', 'content'] as const;

/** What a full scan runs: the quick analyzers, the model and the feeds; no deep attachment scan. */
export const FULL_SCAN_ANALYZERS = [...QUICK_ANALYZERS, 'ml', 'intel'] as const;
