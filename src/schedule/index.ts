// The only folder that imports node-cron's scheduler: cron-driven runs, in a bounded pool of engine processes.
export { Scheduler } from './scheduler.js';
export { scheduleIntervalSeconds } from './interval.js';
export { shardOf, inShard, parseShard } from './shard.js';
