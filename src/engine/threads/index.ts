export { summarizeOffThread, settleOffThread, releaseOffThread, setSummaryThreads, SummaryThreadError, type BaselineRef } from './pool.js';
export { WindowColumns } from './window-columns.js';
