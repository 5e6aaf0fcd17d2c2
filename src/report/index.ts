export type { Report, ModelReport, FeatureReport, SegmentReport, TestThreshold } from './types.js';
export { formatReport, printable, FORMATS, type Format } from './format.js';
export { toWire, fromWire, type WireError } from './errors.js';
// The HTML report's types and policy only: its renderer (report/html, which loads vega) is imported where it runs.
export type { HtmlInput } from './html/render.js';
export { REPORT_CSP_HEADER } from './html/csp.js';
