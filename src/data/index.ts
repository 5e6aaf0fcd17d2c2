// The only folder that imports @duckdb/node-api: sources, scans and baseline profiles.
export { withConnection, configureDuck, duckSetting, type DuckSettings } from './duck.js';
export { openSource, assertUnchanged, DataSourceError, columnKind, type Source } from './source.js';
export { countRows, categoryCountsAll, streamNumeric, type TimeFilter, type FeatureColumn } from './scan.js';
export { baselineProfile, forgetProfile, profileCacheStats, setProfileCacheBudget, type BaselineProfile } from './profile.js';
