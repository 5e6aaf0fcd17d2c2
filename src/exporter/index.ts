export { METRICS, TEST_METRICS, METRIC_NAMES, type MetricDef, type MetricType } from './metrics.js';
export { DriftMetrics } from './registry.js';
export { ExporterState, type ModelEntry, type ModelStatus, type RunTiming } from './state.js';
export { startServer, parseListen, formatListen, ListenError, type ListenAddress, type RunningServer } from './server.js';
