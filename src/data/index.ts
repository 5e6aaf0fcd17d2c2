// The only folder that imports @duckdb/node-api: sources, scans and baseline profiles.
export { withConnection, configureDuck, startDuck } from './duck.js';
export { openSource, assertUnchanged, DataSourceError, columnKind, type Source, type OpenOptions } from './source.js';
export { FORMATS, type Format } from './files.js';
export type { StorageSettings } from './storage.js';
export { countRows, countSegments, countSegmentIds, SegmentFill, segmentBounds, categoryCountsAll, countCategoriesAhead, streamNumeric, inRows, MAX_SCAN_COLUMNS, type Place, type Slot, type TimeFilter, type FeatureColumn, type Segments, type Slice, type SegmentCount } from './scan.js';
export { baselineProfile, segmentedProfile, forgetProfile, profileCacheStats, setProfileCacheBudget, type BaselineProfile, type ReduceSegments } from './profile.js';
