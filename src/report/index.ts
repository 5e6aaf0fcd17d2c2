export type { Report, ModelReport, FeatureReport } from './types.js';
export { buildReport, runModel, checkModel, type Progress, type RunOptions, type Phase } from './build.js';
export { formatReport, FORMATS, type Format } from './format.js';
