export { summarizeOffThread, settleOffThread, settleSegmentsOffThread, summarizeSegmentsOffThread, releaseOffThread, setSummaryThreads, SummaryThreadError, type BaselineRef, type SegmentsSettled, type Summarized } from './pool.js';
export { WindowColumns } from './window-columns.js';
