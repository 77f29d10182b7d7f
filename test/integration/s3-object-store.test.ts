import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../lib/adapters/s3-object-store';
import { motoClientConfig } from '../../lib/local/moto-server';
import { useMotoBucket } from '../helpers/moto-fixture';

describe('S3ObjectStore on a bucket with Object Lock default retention', () => {
  const aws = useMotoBucket('locked-store', { mode: 'governance', days: 1 });

  /** A client that sends checksums only where an operation requires one, as older SDKs (such as a Lambda runtime's) do. */
  function olderSdkClient(): S3Client {
    return new S3Client({ ...motoClientConfig(aws.moto.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED' });
  }

  it('is refused a PutObject without a checksum, as S3 refuses it', async () => {
    await expect(olderSdkClient().send(new PutObjectCommand({ Bucket: aws.bucket, Key: 'bare.json', Body: '{}' }))).rejects.toThrow(/Content-MD5|checksum/i);
  });

  it('writes manifests, reports and markers with a checksum whatever the SDK sends by default', async () => {
    const store = new S3ObjectStore(olderSdkClient(), aws.bucket, aws.kmsKeyId);

    await store.put('drills/locked/one.json', '{"passed":true}', 'application/json');
    await expect(store.putIfAbsent('_cronsnap/runs/locked/run-1.json', '{}')).resolves.toBe(true);

    await expect(store.getText('drills/locked/one.json')).resolves.toBe('{"passed":true}');
    await expect(store.putIfAbsent('_cronsnap/runs/locked/run-1.json', '{}')).resolves.toBe(false);
  });

  it('lists from after a key, as status finds the newest run claims in one request', async () => {
    const store = new S3ObjectStore(olderSdkClient(), aws.bucket, aws.kmsKeyId);
    for (const runId of ['20261205T000000Z-a', '20261206T000000Z-b', '20261207T000000Z-c']) await store.putIfAbsent(`_cronsnap/runs/listed/${runId}.json`, '{}');

    const after = await store.list('_cronsnap/runs/listed/', '_cronsnap/runs/listed/20261206T000000Z');

    expect(after.map((object) => object.key)).toEqual(['_cronsnap/runs/listed/20261206T000000Z-b.json', '_cronsnap/runs/listed/20261207T000000Z-c.json']);
  });
});
