import { rpoAlarmWindow } from '../../../lib/config/recovery-point-objective';

describe('RPO alarm window', () => {
  it('uses five-minute periods up to a day', () => {
    expect(rpoAlarmWindow(90 * 60)).toEqual({ periodSeconds: 300, evaluationPeriods: 18, clamped: false });
    expect(rpoAlarmWindow(86400)).toEqual({ periodSeconds: 300, evaluationPeriods: 288, clamped: false });
  });

  it('uses hours beyond a day, rounding the window up', () => {
    expect(rpoAlarmWindow(86400 + 60)).toEqual({ periodSeconds: 3600, evaluationPeriods: 25, clamped: false });
  });

  it('watches a weekly schedule over the seven days CloudWatch allows, and says so', () => {
    expect(rpoAlarmWindow(7 * 86400 + 3600)).toEqual({ periodSeconds: 3600, evaluationPeriods: 168, clamped: true });
  });
});
