export type { DriftTest, FeatureType, TestId, TestInput, TestResult } from './types.js';
export { TESTS, TEST_IDS, getTest, testsFor } from './registry.js';
export { decideFeature, decideModel, exceeds, type DriftPolicy } from './decision.js';
export { ksStatistic } from './ks.js';
export { decileEdges, binCounts, alignCategories, lowerBound, upperBound, OTHER_CATEGORY, type AlignedCategories } from './bins.js';
export { compareNumeric, compareNumericStats, compareCategorical, type Comparison } from './compare.js';
export { summarizeBaseline, WindowSummary, InconsistentPassError, type BaselineSummary, type NumericStats, type PassLimits } from './summary.js';
export { baselineStd } from './wasserstein.js';
export { sortDoubles } from './kernels.js';
