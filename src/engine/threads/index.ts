export { summarizeOffThread, settleOffThread, settleSegmentsOffThread, releaseOffThread, setSummaryThreads, setInlineLimit, summaryThreadsStarted, INLINE_MAX_VALUES, SummaryThreadError, type BaselineRef, type SegmentsSettled } from './pool.js';
export { WindowColumns } from './window-columns.js';
