// Pure math, no I/O and no WebAssembly: the exporter and config import this. The streaming summaries are stats/streaming.
export type { DriftTest, FeatureType, NumericSummary, PublishedField, TestInput, TestResult, Bins } from './types.js';
export { TESTS, TEST_IDS, getTest, testsFor, type TestId } from './registry.js';
export { decideFeature, decideModel, thresholdsFor, type DriftPolicy, type Decision, type ModelStatus, type FeatureOutcome } from './decision.js';
export { compareNumeric, compareCategorical, type Comparison } from './compare.js';
