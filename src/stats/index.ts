// Pure math, no I/O and no WebAssembly: the exporter and config import this. The streaming summaries are stats/streaming.
export type { FeatureType, NumericSummary, PublishedField, TestResult } from './types.js';
export { TESTS, TEST_IDS, type TestId } from './registry.js';
export { decideFeature, decideModel, thresholdsFor, type DriftPolicy, type ModelStatus } from './decision.js';
export { compareNumeric, compareCategorical, type Comparison } from './compare.js';
