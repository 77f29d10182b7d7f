import type { InstanceInformationStringFilter } from '@aws-sdk/client-ssm';
import type { Targets } from '../config/targets';

/**
 * DescribeInstanceInformation's filters for a job's targets: by their ids, or by every tag (SSM
 * ANDs the filters, as SendCommand's Targets do). SSM refuses tag filters combined with any other
 * filter type (PingStatus included), so callers judge the ping status from the answer.
 */
export function nodeFilters(targets: Targets): InstanceInformationStringFilter[] {
  return targets.instanceIds
    ? [{ Key: 'InstanceIds', Values: [...targets.instanceIds] }]
    : Object.entries(targets.tags ?? {}).map(([key, values]) => ({ Key: `tag:${key}`, Values: [...values] }));
}
