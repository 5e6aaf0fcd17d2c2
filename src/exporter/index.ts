// The only folder that imports prom-client: the metric contract, the state, the HTTP server (node:http and node:http2; express 5 cannot serve HTTP/2), and batch mode's push and textfile.
export { DriftMetrics, type BatchRun } from './registry.js';
export { blocksPending } from './exposition.js';
export { ExporterState } from './state.js';
export { startServer, parseListen, formatListen, ListenError, type RunningServer } from './server.js';
export { pushTarget, pushRun, type PushTarget } from './push.js';
export { checkTextfilePath, writeTextfile } from './textfile.js';
