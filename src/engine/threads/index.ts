export { summarizeOffThread, settleOffThread, settleSegmentsOffThread, summarizeSegmentsOffThread, releaseOffThread, setSummaryThreads, setInlineLimit, summaryThreadsStarted, INLINE_MAX_VALUES, SummaryThreadError, type BaselineRef, type SegmentsSettled, type Summarized } from './pool.js';
export { WindowColumns } from './window-columns.js';
