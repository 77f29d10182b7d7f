import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { strictMockClient } from '../../helpers/aws-contracts';
import { Readable } from 'node:stream';
import { lambdaContext, loadEvent } from '../../helpers/events';
import { writeInventory } from '../../helpers/inventory-fixture';
import { TEST_ENV, useLambdaEnvironment } from '../../helpers/lambda-environment';
import { MemoryObjectStore } from '../../helpers/recording-ports';

useLambdaEnvironment();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../functions/compliance-report/handler') as typeof import('../../../functions/compliance-report/handler');

const s3 = strictMockClient(S3Client);
const sns = strictMockClient(SNSClient);
const EVENT_TIME = new Date('2026-11-24T01:00:00Z');

/** Serves GetObject from an in-memory inventory, as the reports bucket would. */
function serveInventory(objects: Parameters<typeof writeInventory>[2]): string {
  const store = new MemoryObjectStore();
  const manifestKey = writeInventory(store, TEST_ENV.CRONSNAP_BUCKET, objects, EVENT_TIME);
  s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
    const body = store.binary.get(input.Key ?? '') ?? Buffer.from(store.objects.get(input.Key ?? '') ?? '');
    // The SDK's body: a stream that can also be read whole.
    return { Body: Object.assign(Readable.from([body]), { transformToString: async () => body.toString('utf8') }) };
  });
  return manifestKey;
}

function eventFor(manifestKey: string) {
  const event = loadEvent('inventory-manifest-created');
  event.detail.object.key = manifestKey;
  return event;
}

describe('compliance-report handler', () => {
  beforeEach(() => {
    s3.reset();
    sns.reset();
    s3.on(PutObjectCommand).resolves({});
  });

  it('writes the three reports to the reports bucket and publishes every violation', async () => {
    // The default job runs every 30 minutes and has no backup at all.
    const key = serveInventory([{ key: 'prod-etcd/stray.txt', lastModified: EVENT_TIME, encryptionStatus: 'SSE-S3' }]);

    const outcome = await handler(eventFor(key), lambdaContext);

    expect(outcome).toMatchObject({ ok: false, violations: 4 });
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => [input.Bucket, input.Key, input.ContentType])).toContainEqual(['cronsnap-reports-test', 'reports/2026-11-24/report.html', 'text/html; charset=utf-8']);
    expect(puts).toHaveLength(6);
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Subject).toBe('cronsnap: 4 compliance violations');
    expect(JSON.parse(published?.Message ?? '{}')).toMatchObject({
      report: 's3://cronsnap-reports-test/reports/2026-11-24/report.html',
      failing: expect.arrayContaining([{ job: 'prod-etcd', rule: 'encryption', detail: '1 not under KMS: prod-etcd/stray.txt' }]),
    });
  });

  it('refuses an event from another bucket, naming the field', async () => {
    const event = eventFor('inventory/x/manifest.json');
    event.detail.bucket.name = 'someone-elses';

    await expect(handler(event, lambdaContext)).rejects.toThrow('event.detail.bucket.name: someone-elses is not the reports bucket cronsnap-reports-test');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('refuses an object that is not an inventory manifest, naming the field', async () => {
    const event = eventFor('inventory/x/data/file.csv.gz');

    await expect(handler(event, lambdaContext)).rejects.toThrow('event.detail.object.key: must be an inventory manifest.json');
  });
});
