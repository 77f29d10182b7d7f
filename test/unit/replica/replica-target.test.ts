import type { ReplicaSettings } from '../../../lib/config/storage-settings';
import { replicaTarget as targetOf } from '../../../lib/replica/replica-target';

/** A copy in `region` with the config's defaults. */
const replicaTarget = (settings: Partial<ReplicaSettings> & { region: string }, account: string, bucketPrefix: string) =>
  targetOf({ replicationTimeControl: false, storageClass: 'STANDARD', ...settings }, account, bucketPrefix);

describe('replica target', () => {
  it("names the copy bucket in this account after the deployment, the account and the copy's region", () => {
    expect(replicaTarget({ region: 'eu-west-1' }, '123456789012', 'staging-replica')).toEqual({ region: 'eu-west-1', account: '123456789012', bucketName: 'staging-replica-123456789012-eu-west-1', crossAccount: false });
  });

  it('refuses a default copy bucket name over 63 characters, naming storage.replica.bucketName', () => {
    expect(() => replicaTarget({ region: 'ap-southeast-3' }, '123456789012', `${'a'.repeat(30)}-replica`)).toThrow(
      /^storage\.replica\.bucketName: the default a+-replica-<account>-ap-southeast-3 is 66 characters, over S3's 63: name the copy bucket in storage\.replica\.bucketName, or give a shorter cronsnap:stackName$/,
    );
  });

  it('judges the length with a 12-digit account while the account is still a token, and keeps a name given in the config', () => {
    const token = '${Token[AWS.AccountId.8]}';

    expect(() => replicaTarget({ region: 'ap-southeast-3' }, token, `${'a'.repeat(30)}-replica`)).toThrow(/is 66 characters/);
    expect(replicaTarget({ region: 'ap-southeast-3', bucketName: 'my-copy' }, token, `${'a'.repeat(30)}-replica`).bucketName).toBe('my-copy');
  });

  it('refuses a default copy bucket name that starts as S3 keeps for itself', () => {
    expect(() => replicaTarget({ region: 'eu-west-1' }, '123456789012', 'xn--a-replica')).toThrow(/starts as S3 keeps for itself/);
  });
});
