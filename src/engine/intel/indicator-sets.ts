import type { IndicatorSets } from '../types.ts';
import type { IndicatorType, ParsedIndicator } from './normalize.ts';

const SET_FOR: Record<IndicatorType, keyof IndicatorSets> = {
  url: 'urls',
  domain: 'domains',
  ip: 'ips',
  hash: 'hashes',
};

/** Indicator sets for `EnginePorts.indicators`, from already-normalised indicators. */
export function buildIndicatorSets(indicators: Iterable<ParsedIndicator>): IndicatorSets {
  const sets = {
    urls: new Set<string>(),
    domains: new Set<string>(),
    ips: new Set<string>(),
    hashes: new Set<string>(),
  };
  for (const { type, value } of indicators) sets[SET_FOR[type]].add(value);
  return sets;
}
