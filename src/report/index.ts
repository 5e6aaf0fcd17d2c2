export type { Report, ModelReport, FeatureReport, SegmentReport, TestThreshold } from './types.js';
export { formatReport, printable, FORMATS, type Format } from './format.js';
export { toWire, fromWire, type WireError } from './errors.js';
