/** The engine's public API: everything outside `src/engine` imports from here. */
export { analyzeEmail, ANALYZER_FNS } from './analyze.ts';
export { parseEmail } from './parse.ts';
export { decideVerdict, combineScores, verdictForScore, type VerdictDecision } from './verdict.ts';
export { DEFAULT_ENGINE_OPTIONS, FULL_SCAN_ANALYZERS, QUICK_ANALYZERS } from './defaults.ts';
export { mergeResults } from './merge.ts';
export { extractObservables, indicatorQuery, type IndicatorQuery } from './intel/observables.ts';
export { buildIndicatorSets } from './intel/indicator-sets.ts';
export { normalizeIndicator, type IndicatorType } from './intel/normalize.ts';
export { BRANDS, DEFAULT_BRAND_DOMAINS, type Brand } from './brands.ts';
export { analyzeHeaders } from './analyzers/headers.ts';
export { analyzeLinks } from './analyzers/links.ts';
export { analyzeContent } from './analyzers/content.ts';
export type { AnalyzerContext, AnalyzerFn, AnalyzerOutput } from './analyzer.ts';
export type * from './types.ts';
