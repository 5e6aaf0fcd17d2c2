export { Scheduler, type RunEvents, type RunTiming, type ApplyResult } from './scheduler.js';
export { isValidCron } from './cron.js';
