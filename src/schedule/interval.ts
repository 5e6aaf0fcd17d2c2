import cron from 'node-cron';

/** Scheduled runs looked at for the interval: enough to span a week of daily or weekday schedules. */
const RUNS = 100;

/**
 * The longest gap, in seconds, between consecutive runs of a cron schedule
 * over its next runs: the bound within which a healthy model succeeds again,
 * exported for alerts. Null when the schedule fires fewer than twice.
 */
export function scheduleIntervalSeconds(expression: string): number | null {
  const task = cron.createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(RUNS).map((d) => d.getTime());
    let gap = 0;
    for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i] - runs[i - 1]);
    return runs.length >= 2 ? gap / 1000 : null;
  } finally {
    task.destroy();
  }
}
