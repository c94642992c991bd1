/**
 * External threat intelligence for `threat_intelligence_lookup`: a service asked about an
 * email's indicators, beside the feed store. The interface is what the task needs; the HTTP
 * one is the contract in docs/providers.md.
 */
import { z } from 'zod';
import type { ProviderEndpoint } from '../../config/config.ts';
import { normalizeIndicator, type IndicatorQuery, type IndicatorType } from '../../engine/index.ts';
import { askProvider } from './provider-http.ts';

export interface ProviderListing {
  type: IndicatorType;
  /** In the feed store's normal form. */
  value: string;
  /** What the provider says about it, for the evidence. */
  description: string | null;
}

export interface IntelProvider {
  readonly name: string;
  /** The indicators of `query` the provider lists; its failures are `external`. */
  lookup(query: IndicatorQuery, signal: AbortSignal): Promise<ProviderListing[]>;
}

const answerSchema = z.object({
  matches: z
    .array(
      z.object({
        type: z.enum(['domain', 'url', 'ip', 'hash']),
        value: z.string().max(4096),
        description: z.string().max(500).optional(),
      }),
    )
    .max(10_000),
});

/** POSTs the query as JSON and reads `{ matches: [{ type, value, description? }] }`. */
export function httpIntelProvider(endpoint: ProviderEndpoint): IntelProvider {
  return {
    name: endpoint.name,
    async lookup(query, signal) {
      const { matches } = await askProvider(endpoint, query, answerSchema, signal);
      // A value that is not an indicator of its type is dropped, as a bad feed line is.
      return matches.flatMap(({ type, value, description }) => {
        const indicator = normalizeIndicator(type, value);
        return indicator ? [{ ...indicator, description: description ?? null }] : [];
      });
    },
  };
}
