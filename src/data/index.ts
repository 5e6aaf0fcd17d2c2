export { withConnection } from './duck.js';
export { openSource, DataSourceError, columnKind, type Source, type Column, type ColumnKind } from './source.js';
export { countRows, numericValues, categoryCounts, type TimeFilter, type FeatureColumn, type Counts } from './features.js';
export { baselineProfile, profileCacheStats, type BaselineProfile } from './profile.js';
