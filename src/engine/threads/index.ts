export { summarizeOffThread, settleOffThread, settleSegmentsOffThread, releaseOffThread, setSummaryThreads, SummaryThreadError, type BaselineRef, type SegmentsSettled } from './pool.js';
export { WindowColumns } from './window-columns.js';
