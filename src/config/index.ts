export { loadConfig, resolveConfig, machine, type Config, type ModelConfig, type ReferenceRange, type Shard } from './load.js';
export { ConfigError } from './errors.js';
export { DEFAULTS } from './defaults.js';
export { parseDuration, durationProblem, TIMER_MAX_MS, WINDOW_MAX_MS } from './duration.js';
export { parseInstant } from './instant.js';
export { redact } from './interpolate.js';
export { loadWebConfig, type WebConfig } from './web-config.js';
