// One run of one model. Importing this loads DuckDB's native library; cli/ and schedule/ import it only where a run happens.
export { referenceFilter, runModel, type Progress } from './run-model.js';
export { checkModel } from './check-model.js';
export { configureEngine, engineStats, type EngineBounds, type EngineStats } from './configure.js';
export type { Phase } from './window-scan.js';
export { startDuck } from '../data/index.js';
