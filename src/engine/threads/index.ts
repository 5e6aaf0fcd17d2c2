export { summarizeOffThread, settleOffThread, SummaryThreadError, type BaselineRef } from './pool.js';
export { WindowColumns } from './window-columns.js';
