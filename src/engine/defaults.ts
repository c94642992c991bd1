/** The engine's defaults in one visible place, units in the names. */
import { ANALYZERS } from '../contracts/analysis-result.ts';
import { DEFAULT_BRAND_DOMAINS } from './brands.ts';
import type { EngineOptions } from './types.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = Object.freeze({
  analyzers: ANALYZERS,
  brandDomains: DEFAULT_BRAND_DOMAINS,
  trustedReceivers: [],
  thresholds: Object.freeze({ suspicious: 30, phishing: 60, malicious: 85 }),
  limits: Object.freeze({
    maxBytes: 25 * MIB,
    maxHeaderBytes: 256 * KIB,
    maxMimeDepth: 50,
    maxAttachments: 100,
  }),
});

/** The analyzers a quick scan runs: everything that reads only the message itself. */
export const QUICK_ANALYZERS = ['parser', 'headers', 'links', 'content'] as const;

/** What a full scan runs: the quick analyzers, the model and the feeds; no deep attachment scan. */
export const FULL_SCAN_ANALYZERS = [...QUICK_ANALYZERS, 'ml', 'intel'] as const;
