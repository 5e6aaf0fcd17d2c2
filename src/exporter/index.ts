// The only folder that imports prom-client and express: the metric contract, the state, the HTTP server.
export { DriftMetrics } from './registry.js';
export { ExporterState } from './state.js';
export { startServer, parseListen, formatListen, ListenError, type RunningServer } from './server.js';
