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
    ['0 3 1 * 1', /restricts both day-of-month and day-of-week/],
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
