// The exact streaming summaries behind the numeric tests; the WebAssembly kernels compile at their first call.
export { summarizeBaseline, summarizeValues, type BaselineSummary } from './baseline-summary.js';
export { WindowSummary, InconsistentPassError, passBuffer, PASS_BUFFERS_VALUES, type PassLimits, type WholeOptions } from './window-summary.js';
export { summarizeSamples } from './samples.js';
export { sortSegments } from './segments.js';
export { sortDoubles } from './kernels.js';
