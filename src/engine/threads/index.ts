export { summarizeOffThread, settleOffThread, releaseOffThread, setSummaryThreads, setInlineLimit, summaryThreadsStarted, INLINE_MAX_VALUES, SummaryThreadError, type BaselineRef } from './pool.js';
export { WindowColumns } from './window-columns.js';
