import { longestIntervalSeconds, scheduledTimes } from '../../../lib/schedule/schedule-times';

const FROM = new Date('2026-01-01T00:00:00Z');
const take = (schedule: string, count: number, timezone?: string) =>
  [...scheduledTimes({ schedule, ...(timezone ? { timezone } : {}) }, FROM, new Date('2028-01-01T00:00:00Z'), count)].map((time) => time.toISOString());

describe('scheduled times', () => {
  it('lists a crontab line\'s runs in UTC', () => {
    expect(take('*/30 * * * *', 3)).toEqual(['2026-01-01T00:30:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-01T01:30:00.000Z']);
  });

  it('reads EventBridge weekdays as 1 = Sunday and honours the year field', () => {
    // 2026-01-04 is a Sunday.
    expect(take('cron(0 3 ? * 1 *)', 2)).toEqual(['2026-01-04T03:00:00.000Z', '2026-01-11T03:00:00.000Z']);
    expect(take('cron(0 3 ? * 2#1 2027)', 1)).toEqual(['2027-01-04T03:00:00.000Z']);
  });

  it('runs a schedule in its time zone', () => {
    expect(take('cron(15 2 * * ? *)', 1, 'Europe/Berlin')).toEqual(['2026-01-01T01:15:00.000Z']);
  });

  it('runs the nth weekday, the last weekday and the weekday nearest a day on the days EventBridge does', () => {
    // Second Fridays of 2026: 9 January, 13 February.
    expect(take('0 3 * * 5#2', 2)).toEqual(['2026-01-09T03:00:00.000Z', '2026-02-13T03:00:00.000Z']);
    // Last Fridays: 30 January, 27 February.
    expect(take('0 3 * * 5L', 2)).toEqual(['2026-01-30T03:00:00.000Z', '2026-02-27T03:00:00.000Z']);
    // 15 February and 15 March 2026 are Sundays: the nearest weekday is Monday the 16th.
    expect(take('cron(0 3 15W * ? *)', 3)).toEqual(['2026-01-15T03:00:00.000Z', '2026-02-16T03:00:00.000Z', '2026-03-16T03:00:00.000Z']);
    // 1 August 2026 is a Saturday: 1W stays in August, on Monday the 3rd.
    expect(take('cron(0 3 1W 8 ? *)', 1)).toEqual(['2026-08-03T03:00:00.000Z']);
    // 31 January 2026 is a Saturday: the last weekday is Friday the 30th.
    expect(take('cron(0 3 LW * ? *)', 1)).toEqual(['2026-01-30T03:00:00.000Z']);
    // A lone L in day-of-week is the week's last day, Saturday (3 January 2026).
    expect(take('cron(0 3 ? * L *)', 1)).toEqual(['2026-01-03T03:00:00.000Z']);
  });

  it("reads the year field in the schedule's time zone", () => {
    // New Year 2027 in Berlin is still 2026 in UTC.
    expect(take('cron(30 0 1 1 ? 2027)', 1, 'Europe/Berlin')).toEqual(['2026-12-31T23:30:00.000Z']);
  });

  it('counts a rate from the start', () => {
    expect(take('rate(6 hours)', 2)).toEqual(['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z']);
  });
});

describe('longest interval', () => {
  it('is the step of a regular schedule', () => {
    expect(longestIntervalSeconds({ schedule: '*/30 * * * *' }, FROM)).toBe(1800);
    expect(longestIntervalSeconds({ schedule: 'rate(1 day)' }, FROM)).toBe(86400);
    expect(longestIntervalSeconds({ schedule: 'rate(3 days)' }, FROM)).toBe(3 * 86400);
    expect(longestIntervalSeconds({ schedule: '0 3 * * *' }, new Date('2026-01-01T04:00:00Z'))).toBe(86400);
  });

  it('is the longest gap of an irregular one: weekdays only waits over the weekend', () => {
    expect(longestIntervalSeconds({ schedule: '0 2 * * 1-5' }, FROM)).toBe(3 * 86400);
  });

  it('sees a daylight-saving change of a schedule in a time zone', () => {
    // Europe/Berlin leaves summer time on 2026-10-25: from one 01:30 to the next is 25 hours.
    expect(longestIntervalSeconds({ schedule: '30 1 * * *', timezone: 'Europe/Berlin' }, FROM)).toBe(86400 + 3600);
  });

  it('covers a month\'s last day and the weekday nearest the 15th', () => {
    expect(longestIntervalSeconds({ schedule: 'cron(0 4 L * ? *)' }, FROM)).toBe(31 * 86400);
    // 15 August 2026 is a Saturday: from Friday the 14th to Tuesday 15 September is 32 days.
    expect(longestIntervalSeconds({ schedule: 'cron(0 4 15W * ? *)' }, FROM)).toBe(32 * 86400);
  });

  it('is five weeks for the second Friday or the last Friday of each month', () => {
    // Second Fridays 2026: 9 October, then 13 November; last Fridays: 25 September, then 30 October.
    expect(longestIntervalSeconds({ schedule: '0 3 * * 5#2' }, FROM)).toBe(35 * 86400);
    expect(longestIntervalSeconds({ schedule: 'cron(0 3 ? * 6L *)' }, FROM)).toBe(35 * 86400);
  });

  it('is a week for a weekly run on WED, whose W is no nearest weekday', () => {
    expect(longestIntervalSeconds({ schedule: '0 3 * * WED' }, FROM)).toBe(7 * 86400);
  });
});
