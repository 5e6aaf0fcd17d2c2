export { loadConfig, resolveConfig, ConfigError, DEFAULTS, type Config, type ModelConfig, type FeatureSpec } from './load.js';
export { parseDuration } from './duration.js';
export { loadWebConfig, type WebConfig } from './web-config.js';
