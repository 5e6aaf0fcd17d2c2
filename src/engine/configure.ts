/**
 * The bounds of one engine process of a pool: DuckDB's memory and threads,
 * the summary threads, and the baseline-profile cache's budget.
 */
import { configureDuck, profileCacheStats, setProfileCacheBudget } from '../data/index.js';
import { setSummaryThreads } from './threads/index.js';

/** What an engine process is bounded by (bytes and threads). */
export interface EngineBounds {
  duckdbMemoryLimitBytes: number;
  duckdbThreads: number;
  profileCacheBytes: number;
}

/** What an engine reports of itself after each run. */
export interface EngineStats {
  rssBytes: number;
  cache: { hits: number; misses: number; evictions: number; bytes: number; entries: number };
}

/** Applies the bounds; call before the first run. */
export function configureEngine(b: EngineBounds): void {
  configureDuck({ memoryLimitBytes: b.duckdbMemoryLimitBytes, threads: b.duckdbThreads });
  // The summary threads take the same share of the cores as DuckDB.
  setSummaryThreads(b.duckdbThreads);
  setProfileCacheBudget(b.profileCacheBytes);
}

/** The process's resident memory and its profile cache's counters (cumulative since the process started). */
export function engineStats(): EngineStats {
  return { rssBytes: process.memoryUsage.rss(), cache: { ...profileCacheStats } };
}
