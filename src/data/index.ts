export { withConnection } from './duck.js';
export { openSource, DataSourceError, columnKind, type Source, type Column, type ColumnKind } from './source.js';
export {
  countRows,
  categoryCountsAll,
  streamNumeric,
  type TimeFilter,
  type FeatureColumn,
  type Counts,
  type CategoryColumn,
  type NumericChunkHandler,
} from './features.js';
export { baselineProfile, forgetProfile, profileCacheStats, type BaselineProfile } from './profile.js';
