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

  it('covers a month\'s last day and allows for W, which is placed up to two days off', () => {
    expect(longestIntervalSeconds({ schedule: 'cron(0 4 L * ? *)' }, FROM)).toBe(31 * 86400);
    expect(longestIntervalSeconds({ schedule: 'cron(0 4 15W * ? *)' }, FROM)).toBe(33 * 86400);
  });
});
