// The only folder that imports node-cron's scheduler: cron-driven runs, each in an engine process.
export { Scheduler } from './scheduler.js';
export { scheduleIntervalSeconds } from './interval.js';
