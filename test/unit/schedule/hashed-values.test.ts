import { ScheduleError } from '../../../lib/errors';
import { pinHashedValues } from '../../../lib/schedule/hashed-values';

describe('pinning H', () => {
  it('picks the same minute for the same job every time, and other minutes for other jobs', () => {
    // Fixed values: a change here moves every deployed H schedule.
    expect(pinHashedValues('H 3 * * *', 'prod-etcd')).toBe('25 3 * * *');
    expect(pinHashedValues('H 3 * * *', 'prod-etcd')).toBe('25 3 * * *');
    expect(pinHashedValues('H 3 * * *', 'staging-etcd')).toBe('21 3 * * *');
    expect(pinHashedValues('H 3 * * *', 'prod-mysql')).toBe('8 3 * * *');
  });

  it('keeps a range and a step, and picks a day of the month every month has', () => {
    expect(pinHashedValues('H(0-29)/10 H(1-4) * * *', 'prod-etcd')).toBe('5-29/10 2 * * *');
    expect(pinHashedValues('0 3 H * *', 'prod-etcd')).toBe('0 3 18 * *');
    expect(pinHashedValues('0 3 * * H#2', 'prod-etcd')).toBe('0 3 * * 3#2');
  });

  it('leaves day names, EventBridge expressions and lines without H as they are', () => {
    for (const schedule of ['0 3 * * THU', 'cron(0 3 ? * THU *)', 'rate(1 hour)', '@daily']) expect(pinHashedValues(schedule, 'prod-etcd')).toBe(schedule);
  });

  it.each([
    ['H(50-70) * * * *', 'minute: H(50-70) must be a range within 0-59'],
    ['0 H/0 * * *', 'hour: the step of H/0 must be 1-24'],
  ])('refuses %s, naming the field', (schedule, reason) => {
    expect(() => pinHashedValues(schedule, 'prod-etcd')).toThrow(ScheduleError);
    expect(() => pinHashedValues(schedule, 'prod-etcd')).toThrow(reason);
  });
});
