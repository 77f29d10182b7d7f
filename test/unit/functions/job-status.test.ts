import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strictMockClient } from '../../helpers/aws-contracts';
import { lambdaContext } from '../../helpers/events';
import { useLambdaEnvironment } from '../../helpers/lambda-environment';

useLambdaEnvironment();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jobStatus = require('../../../functions/job-status/handler') as typeof import('../../../functions/job-status/handler');

const s3 = strictMockClient(S3Client);
const widgetEvent = JSON.parse(readFileSync(join(__dirname, '../../../events/job-status-widget.json'), 'utf8')) as Record<string, unknown>;

describe('job-status handler', () => {
  beforeEach(() => {
    s3.reset();
    // A deployment before its first backup: every listing is empty.
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
  });

  it("answers the CLI with the statuses and the dashboard's custom widget with them as an HTML table", async () => {
    const statuses = await jobStatus.handler({ jobs: ['prod-etcd'] } as never, lambdaContext);
    const html = await jobStatus.handler(widgetEvent as never, lambdaContext);

    expect(statuses).toEqual([expect.objectContaining({ job: 'prod-etcd', withinRpo: false })]);
    expect(html).toEqual(expect.stringContaining('<tr class="look"><td>prod-etcd</td><td>etcd</td><td>never</td><td>no backup</td>'));
    expect(html).toEqual(expect.stringContaining('1 job, one needs a look'));
  });

  it("answers the widget editor's describe with the parameters in YAML and reads nothing", async () => {
    const docs = await jobStatus.handler({ describe: true } as never, lambdaContext);

    expect(docs).toEqual(expect.stringContaining('```yaml\njobs: [job-a, job-b]'));
    expect(s3.calls()).toHaveLength(0);
  });

  it("refuses a widget whose jobs are not the config's, naming the job", async () => {
    await expect(jobStatus.handler({ ...widgetEvent, jobs: ['gone-etcd'] } as never, lambdaContext)).rejects.toThrow(/gone-etcd/);
    await expect(jobStatus.handler({ ...widgetEvent, jobs: 'prod-etcd' } as never, lambdaContext)).rejects.toThrow(/event\.jobs/);
  });
});
