import type { DrillSettings } from '../config/drill-settings';
import { rpoAlarmWindow } from '../config/recovery-point-objective';
import { longestIntervalSeconds } from '../schedule/schedule-times';

/** CloudWatch evaluates at most seven days of periods. */
const MAX_ALARM_SPAN = 7 * 86400;

/**
 * How to watch for a job that has had no passed drill for twice its drill interval.
 * `passes`: no DrillPassed in any period of the window (the drill function's own metric).
 * `age`: for windows beyond CloudWatch's seven days, the daily compliance report's
 * SecondsSinceLastPassedDrill over the threshold (a missing report counts against it).
 */
export type DrillAlarmPlan =
  | { readonly kind: 'passes'; readonly windowSeconds: number; readonly periodSeconds: number; readonly evaluationPeriods: number }
  | { readonly kind: 'age'; readonly windowSeconds: number; readonly periodSeconds: number; readonly evaluationPeriods: number };

export function drillAlarmPlan(drill: Pick<DrillSettings, 'schedule' | 'timezone'>, from: Date): DrillAlarmPlan {
  const windowSeconds = 2 * longestIntervalSeconds({ schedule: drill.schedule, ...(drill.timezone ? { timezone: drill.timezone } : {}) }, from);
  if (windowSeconds <= MAX_ALARM_SPAN) {
    const { periodSeconds, evaluationPeriods } = rpoAlarmWindow(windowSeconds);
    return { kind: 'passes', windowSeconds, periodSeconds, evaluationPeriods };
  }
  // The report runs daily: two days without its datapoint is a failure of its own.
  return { kind: 'age', windowSeconds, periodSeconds: 86400, evaluationPeriods: 2 };
}
