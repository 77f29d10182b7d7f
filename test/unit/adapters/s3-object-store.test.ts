import { GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../lib/adapters/s3-object-store';
import { keepMarkerKey } from '../../../lib/backup/object-layout';
import { readByNameOnly } from '../../../lib/lambda/aws-dependencies';
import { strictMockClient } from '../../helpers/aws-contracts';

const s3 = strictMockClient(S3Client);

/** What S3 answers a GetObject or HeadObject of a missing key from a caller without s3:ListBucket. */
function accessDenied(): S3ServiceException {
  return new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
}

describe('S3ObjectStore reading by name where it may not list', () => {
  beforeEach(() => s3.reset());

  it("takes a 403 for a drill's last-passed record as not there yet", async () => {
    s3.on(GetObjectCommand).rejects(accessDenied());
    const store = new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap', readByNameOnly);

    await expect(store.getText('drills/prod-etcd/last-passed.json')).resolves.toBeUndefined();
  });

  it('takes a 403 for a manifest as missing, so a success without one is reported as such', async () => {
    s3.on(HeadObjectCommand).rejects(accessDenied());
    const store = new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap', readByNameOnly);

    await expect(store.head('prod-etcd/2026/11/30/20261130T010000Z-0123456789/i-0123456789abcdef0/manifest.json')).resolves.toBeUndefined();
  });

  it('takes a 403 for the keep mark of a run never kept as no mark, so unkeep answers "not kept"', async () => {
    s3.on(HeadObjectCommand).rejects(accessDenied());
    const store = new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap', readByNameOnly);

    await expect(store.head(keepMarkerKey('prod-etcd', '20261130T010000Z-0123456789'))).resolves.toBeUndefined();
  });

  it('still fails on a 403 for any other key, and everywhere when the caller may list', async () => {
    s3.on(GetObjectCommand).rejects(accessDenied());

    await expect(new S3ObjectStore(new S3Client({}), 'backups', '', readByNameOnly).getText('prod-etcd/2026/11/30/run/i-0123456789abcdef0/snapshot.db.zst')).rejects.toThrow('Access Denied');
    await expect(new S3ObjectStore(new S3Client({}), 'backups', '').getText('drills/prod-etcd/last-passed.json')).rejects.toThrow('Access Denied');
  });
});
