import { GetObjectCommand, GetObjectLegalHoldCommand, HeadObjectCommand, PutObjectLegalHoldCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../lib/adapters/s3-object-store';
import { keepMarkerKey } from '../../../lib/catalog/object-layout';
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
    s3.on(GetObjectCommand).rejects(accessDenied());
    const store = new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap', readByNameOnly);

    await expect(store.getText(keepMarkerKey('prod-etcd', '20261130T010000Z-0123456789'))).resolves.toBeUndefined();
  });

  it('still fails on a 403 for any other key, and everywhere when the caller may list', async () => {
    s3.on(GetObjectCommand).rejects(accessDenied());

    await expect(new S3ObjectStore(new S3Client({}), 'backups', '', readByNameOnly).getText('prod-etcd/2026/11/30/run/i-0123456789abcdef0/snapshot.db.zst')).rejects.toThrow('Access Denied');
    await expect(new S3ObjectStore(new S3Client({}), 'backups', '').getText('drills/prod-etcd/last-passed.json')).rejects.toThrow('Access Denied');
  });
});

describe('S3ObjectStore legal holds', () => {
  const key = 'prod-etcd/2026/11/30/20261130T010000Z-0123456789/i-0123456789abcdef0/snapshot.db.zst';
  const store = () => new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap', readByNameOnly);
  const s3Error = (name: string, httpStatusCode: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: name });

  beforeEach(() => s3.reset());

  it('reads a version that never had a legal hold, which S3 answers with NoSuchObjectLockConfiguration, as held by no one', async () => {
    s3.on(HeadObjectCommand).resolves({ VersionId: 'v7' });
    s3.on(GetObjectLegalHoldCommand, { Key: key, VersionId: 'v7' }).rejects(s3Error('NoSuchObjectLockConfiguration', 404));

    await expect(store().legalHold(key)).resolves.toEqual({ key, versionId: 'v7', on: false });
  });

  it('puts and lifts a hold on the version named, and takes a version gone for one with nothing to lift', async () => {
    s3.on(PutObjectLegalHoldCommand).resolves({});
    await store().setLegalHold({ key, versionId: 'v7' }, true);
    expect(s3.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input).toMatchObject({ Key: key, VersionId: 'v7', LegalHold: { Status: 'ON' } });

    s3.on(PutObjectLegalHoldCommand).rejects(s3Error('NoSuchVersion', 404));
    await expect(store().setLegalHold({ key, versionId: 'v7' }, false)).resolves.toBeUndefined();
    await expect(store().setLegalHold({ key, versionId: 'v7' }, true)).rejects.toThrow('NoSuchVersion');
  });
});

describe('S3ObjectStore head', () => {
  beforeEach(() => s3.reset());

  it("reports where the bucket's replication of the object stands, as S3's replication status says", async () => {
    s3.on(HeadObjectCommand).resolvesOnce({ ContentLength: 812, ReplicationStatus: 'PENDING' }).resolvesOnce({ ContentLength: 812 });
    const store = new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap', readByNameOnly);

    expect(await store.head('prod-etcd/manifest.json')).toEqual({ key: 'prod-etcd/manifest.json', size: 812, replication: 'PENDING' });
    expect(await store.head('prod-etcd/manifest.json')).toEqual({ key: 'prod-etcd/manifest.json', size: 812 });
  });
});
