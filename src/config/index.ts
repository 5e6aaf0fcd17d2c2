export { loadConfig, resolveConfig, type Config, type ModelConfig } from './load.js';
export { ConfigError } from './errors.js';
export { DEFAULTS } from './defaults.js';
export { parseDuration } from './duration.js';
export { loadWebConfig, type WebConfig } from './web-config.js';
