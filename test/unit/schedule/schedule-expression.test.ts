import { ScheduleError } from '../../../lib/errors';
import { toEventBridgeSchedule } from '../../../lib/schedule/schedule-expression';

describe('toEventBridgeSchedule', () => {
  it.each([
    // The examples of AWS's EventBridge cron documentation pass through unchanged.
    ['cron(0 10 * * ? *)', 'cron(0 10 * * ? *)'],
    ['cron(15 12 * * ? *)', 'cron(15 12 * * ? *)'],
    ['cron(0 18 ? * MON-FRI *)', 'cron(0 18 ? * MON-FRI *)'],
    ['cron(0 8 1 * ? *)', 'cron(0 8 1 * ? *)'],
    ['cron(0/15 * * * ? *)', 'cron(0/15 * * * ? *)'],
    ['cron(0/10 * ? * MON-FRI *)', 'cron(0/10 * ? * MON-FRI *)'],
    ['cron(0/5 8-17 ? * MON-FRI *)', 'cron(0/5 8-17 ? * MON-FRI *)'],
    ['cron(0 9 ? * 2#1 *)', 'cron(0 9 ? * 2#1 *)'],
    ['cron(0 0 L * ? *)', 'cron(0 0 L * ? *)'],
    ['cron(0 12 15W * ? 2027)', 'cron(0 12 15W * ? 2027)'],
    ['rate(5 minutes)', 'rate(5 minutes)'],
    ['rate(1 hour)', 'rate(1 hour)'],
    ['rate(7 days)', 'rate(7 days)'],
  ])('accepts EventBridge %s', (input, expected) => {
    expect(toEventBridgeSchedule(input)).toBe(expected);
  });

  it.each([
    ['*/30 * * * *', 'cron(0/30 * * * ? *)'],
    ['0 2 * * *', 'cron(0 2 * * ? *)'],
    ['0 */6 * * *', 'cron(0 0/6 * * ? *)'],
    ['0 3 * * 1-5', 'cron(0 3 ? * 2-6 *)'],
    ['0 3 * * 0', 'cron(0 3 ? * 1 *)'],
    ['0 3 * * 7', 'cron(0 3 ? * 1 *)'],
    ['5 4 * * sun', 'cron(5 4 ? * 1 *)'],
    ['0 3 * * 5-7', 'cron(0 3 ? * 1,6,7 *)'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)'],
    ['15 2 */2 * *', 'cron(15 2 1/2 * ? *)'],
    ['0 1 1,15 1-6 *', 'cron(0 1 1,15 1-6 ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
  ])('converts crontab %s to %s', (input, expected) => {
    expect(toEventBridgeSchedule(input)).toBe(expected);
  });

  it.each([
    // crontab counts Friday as 5, EventBridge as 6: the second Friday stays the second Friday.
    ['0 3 * * 5#2', 'cron(0 3 ? * 6#2 *)'],
    ['0 3 * * fri#2', 'cron(0 3 ? * 6#2 *)'],
    ['0 3 * * 5L', 'cron(0 3 ? * 6L *)'],
    ['0 3 * * 7L', 'cron(0 3 ? * 1L *)'],
    ['0 3 L * *', 'cron(0 3 L * ? *)'],
    ['0 3 15W * *', 'cron(0 3 15W * ? *)'],
    ['0 3 LW 1-6 *', 'cron(0 3 LW 1-6 ? *)'],
  ])("keeps the meaning of crontab's nth weekday, last day and nearest weekday: %s is %s", (input, expected) => {
    expect(toEventBridgeSchedule(input)).toBe(expected);
  });

  it.each([
    ['0 3 1 * 1', /restricts both day-of-month and day-of-week/],
    ['H 3 * * *', /H is picked from the job's name when the config is read/],
    ['0 3 * * 1,5L', /'6L' must be the field's only value/],
    ['0 3 1,L * *', /'L' must be the field's only value/],
    ['cron(0 3 ? * 3#1,6#3 *)', /day-of-week: '3#1' must be the field's only value/],
    ['cron(0 3 31W * ? *)', /'31W' names a day some months lack, where EventBridge does not document its run; use LW/],
    ['61 * * * *', /61/],
    ['* * *', /5 fields/],
    ['@reboot', /macro/],
    ['cron(0 18 * * MON-FRI *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 18 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 18 ? * MON-FRI)', /6 fields/],
    ['cron(0 24 * * ? *)', /hours: 24 is outside 0-23/],
    ['cron(0 1 ? * 9 *)', /day-of-week: 9 is outside 1-7/],
    ['cron(0 1 ? * 2#6 *)', /#6/],
    ['cron(0/0 1 * * ? *)', /step '0'/],
    ['cron(0 1 * ? ? *)', /'\?' is allowed only in day-of-month and day-of-week/],
    ['rate(1 minutes)', /singular/],
    ['rate(2 hour)', /plural/],
    ['rate(0 minutes)', /at least 1/],
    ['rate(5 weeks)', /rate\(/],
  ])('refuses %s with a reason', (input, reason) => {
    expect(() => toEventBridgeSchedule(input)).toThrow(ScheduleError);
    expect(() => toEventBridgeSchedule(input)).toThrow(reason);
  });
});
