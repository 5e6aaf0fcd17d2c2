// The only folder that imports prom-client: the metric contract, the state, the HTTP server (node:http and node:http2; express 5 cannot serve HTTP/2).
export { DriftMetrics } from './registry.js';
export { ExporterState } from './state.js';
export { startServer, parseListen, formatListen, ListenError, type RunningServer } from './server.js';
