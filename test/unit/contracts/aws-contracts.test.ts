import { contractViolations } from '../../helpers/aws-contracts';

describe('the AWS request contracts the mocks enforce', () => {
  it('refuse a DescribeInstanceInformation that combines tag filters with PingStatus', () => {
    const violations = contractViolations('DescribeInstanceInformationCommand', {
      Filters: [
        { Key: 'PingStatus', Values: ['Online'] },
        { Key: 'tag:role', Values: ['etcd'] },
      ],
      MaxResults: 50,
    });

    expect(violations).toEqual(["Filters: tag filters can't be combined with other filter types (PingStatus, tag:role)"]);
  });

  it('refuse MaxResults outside 5..50 and more than 100 values in a filter', () => {
    const violations = contractViolations('DescribeInstanceInformationCommand', {
      Filters: [{ Key: 'tag:role', Values: Array.from({ length: 101 }, (_, i) => `v${i}`) }],
      MaxResults: 51,
    });

    expect(violations).toEqual(['MaxResults must be 5..50, got 51', 'Filters tag:role Values may have at most 100 items, got 101']);
  });

  it('refuse a SendCommand to 51 instances, with a long comment, or a malformed instance ID', () => {
    const ids = Array.from({ length: 51 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

    expect(contractViolations('SendCommandCommand', { DocumentName: 'cronsnap-etcd-backup', InstanceIds: ids, Comment: 'x'.repeat(101) })).toEqual([
      'InstanceIds may have at most 50 items, got 51',
      'Comment may have at most 100 characters, got 101',
    ]);
    expect(contractViolations('SendCommandCommand', { DocumentName: 'cronsnap-etcd-backup', InstanceIds: ['i-0fa0170000000001'] })).toEqual([
      "InstanceIds 'i-0fa0170000000001' does not match /^(i-([0-9a-f]{8}|[0-9a-f]{17})|mi-[0-9a-f]{17})$/",
    ]);
  });

  it('accept what the API reference allows', () => {
    expect(contractViolations('DescribeInstanceInformationCommand', { Filters: [{ Key: 'tag:role', Values: ['etcd'] }, { Key: 'tag:env', Values: ['prod'] }], MaxResults: 5 })).toEqual([]);
    expect(
      contractViolations('SendCommandCommand', {
        DocumentName: 'cronsnap-etcd-backup',
        Targets: [{ Key: 'tag:role', Values: ['etcd'] }],
        MaxConcurrency: '10%',
        MaxErrors: '100%',
        TimeoutSeconds: 600,
      }),
    ).toEqual([]);
  });

  it('refuse an SNS subject with a line break or of 100 characters', () => {
    expect(contractViolations('PublishCommand', { Subject: 'a\nb', Message: '{}' })).toHaveLength(1);
    expect(contractViolations('PublishCommand', { Subject: 'x'.repeat(100), Message: '{}' })).toHaveLength(1);
  });
});
