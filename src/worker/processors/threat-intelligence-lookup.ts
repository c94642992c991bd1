import type { Analyzer, AnalysisResult, Finding } from '../../contracts/analysis-result.ts';
import {
  analyzeEmail,
  buildIndicatorSets,
  extractObservables,
  indicatorQuery,
  mergeResults,
  parseEmail,
  type IndicatorQuery,
} from '../../engine/index.ts';
import {
  httpIntelProvider,
  type IntelProvider,
  type ProviderListing,
} from '../adapters/intel-provider.ts';
import { engineOptionsFor } from '../engine-options.ts';
import { runEngine } from './run-engine.ts';
import type { TaskContext, TaskProcessor } from './types.ts';

const ANALYZERS: readonly Analyzer[] = ['parser', 'intel'];

/**
 * Sender, links, addresses and attachment hashes against the feed store, and against the
 * intel provider when one is configured (PHISHNET_INTEL_PROVIDER_URL).
 */
export const threatIntelligenceLookup: TaskProcessor = (context) => {
  const endpoint = context.config.providers.intel;
  return endpoint === undefined
    ? runEngine(context, ANALYZERS)
    : lookupWithProvider(context, httpIntelProvider(endpoint));
};

/**
 * What the provider lists is matched as the feed store's indicators are, by the engine's intel
 * analyzer, so a listing makes the same finding and score whichever source it came from; one
 * more finding says what the provider was asked and what it listed.
 */
export async function lookupWithProvider(
  context: TaskContext,
  provider: IntelProvider,
): Promise<AnalysisResult> {
  context.signal.throwIfAborted();
  await context.reportProgress(10);
  const options = engineOptionsFor(context.config, ANALYZERS);
  const email = await parseEmail({ raw: context.email }, options.limits, {
    attachmentBytes: true,
  });
  const query = indicatorQuery(extractObservables(email));
  // An email with nothing to look up (no sender domain, link or attachment) costs no request.
  const listed = indicatorCount(query) === 0 ? [] : await provider.lookup(query, context.signal);
  await context.reportProgress(60);
  const [fromFeeds, fromProvider] = await Promise.all([
    analyzeEmail(email, options, context.ports),
    analyzeEmail(email, options, { indicators: buildIndicatorSets(listed) }),
  ]);
  context.signal.throwIfAborted();
  await context.reportProgress(90);
  return mergeResults([fromFeeds, fromProvider], options.thresholds, [
    providerFinding(provider.name, query, listed),
  ]);
}

const SHOWN_LISTINGS = 5;

function indicatorCount(query: IndicatorQuery): number {
  return query.domains.length + query.urls.length + query.ips.length + query.hashes.length;
}

function providerFinding(
  name: string,
  query: IndicatorQuery,
  listed: readonly ProviderListing[],
): Finding {
  const asked = indicatorCount(query);
  const shown = listed
    .slice(0, SHOWN_LISTINGS)
    .map(({ value, description }) => (description ? `${value} (${description})` : value));
  return {
    id: 'intel.provider_consulted',
    analyzer: 'intel',
    severity: 'info',
    score: 0,
    evidence:
      asked === 0
        ? `no indicators to ask ${name} about`
        : listed.length === 0
          ? `${name} lists none of ${asked} indicators`
          : `${name} lists ${listed.length} of ${asked} indicators: ${shown.join(', ')}`,
    explanation:
      'An external threat-intelligence service was asked about the sender domains, links, addresses and attachment hashes.',
  };
}
