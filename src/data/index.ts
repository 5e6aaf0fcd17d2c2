// The only folder that imports @duckdb/node-api: sources, scans and baseline profiles.
export { withConnection } from './duck.js';
export { openSource, assertUnchanged, DataSourceError, columnKind, type Source } from './source.js';
export { countRows, categoryCountsAll, streamNumeric, type TimeFilter, type FeatureColumn } from './scan.js';
export { baselineProfile, forgetProfile, profileCacheStats, type BaselineProfile } from './profile.js';
