// Pure math, no I/O and no WebAssembly: the exporter and config import this. The streaming summaries are stats/streaming.
export type { FeatureType, NumericSummary, PublishedField, SideStats, TestResult } from './types.js';
export { TESTS, TEST_IDS, type TestId } from './registry.js';
export { decideFeature, decideModel, exceeds, thresholdsFor, type DriftPolicy, type ModelStatus } from './decision.js';
export { compareNumeric, compareCategorical, categoryMovers, categoryShares, TOP_MOVERS, type Comparison, type NumericMovers, type CategoryMovers, type CategoryShare, type SideDescription } from './compare.js';
