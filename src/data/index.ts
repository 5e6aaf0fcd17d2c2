// The only folder that imports @duckdb/node-api: sources, scans and baseline profiles.
export { withConnection, configureDuck, duckSetting, type DuckSettings } from './duck.js';
export { openSource, assertUnchanged, DataSourceError, columnKind, type Source, type OpenOptions } from './source.js';
export { FORMATS, type Format } from './files.js';
export { NO_STORAGE, redactionList, type StorageSettings, type StorageSecret } from './storage.js';
export { countRows, categoryCountsAll, streamNumeric, type TimeFilter, type FeatureColumn } from './scan.js';
export { baselineProfile, forgetProfile, profileCacheStats, setProfileCacheBudget, type BaselineProfile } from './profile.js';
