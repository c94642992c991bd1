import type { Analyzer } from '../contracts/analysis-result.ts';
import type { Config } from '../config/config.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../engine/index.ts';
import type { EngineOptions } from '../engine/types.ts';

/** The engine's options for one task: its analyzers, and the operator's thresholds and brands. */
export function engineOptionsFor(config: Config, analyzers: readonly Analyzer[]): EngineOptions {
  return {
    ...DEFAULT_ENGINE_OPTIONS,
    analyzers,
    brandDomains: config.engine.brandDomains ?? DEFAULT_ENGINE_OPTIONS.brandDomains,
    trustedReceivers: config.engine.trustedReceivers,
    thresholds: config.engine.thresholds,
    // The limits the API checked at submission, so what it accepted the parser reads in full.
    limits: {
      maxBytes: config.limits.maxEmailBytes,
      maxHeaderBytes: config.limits.maxHeaderBytes,
      maxMimeDepth: config.limits.maxMimeDepth,
      maxAttachments: config.limits.maxAttachments,
    },
  };
}
