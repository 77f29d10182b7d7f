import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRun } from '../../lib/local/local-backup-service';
import { filesJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0f11e5e7000000001';
const FIRST_RUN = new Date('2026-11-20T01:00:00Z');

describe('retention after real backups', () => {
  const aws = useMotoBucket('cronsnap-retention');

  /** A files job keeping the last two runs, over a small tree of its own. */
  function serviceFor(jobName: string, fixture: { bucket: string; kmsKeyId: string }, storage?: { objectLock: { mode: 'governance'; days: number } }) {
    const root = join(aws.dir, jobName);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'etcd.conf'), `name: ${jobName}\n`);
    const job = filesJobInput({ name: jobName, targets: { instanceIds: [HOST] }, files: { paths: [root] }, workDir: aws.dir, retention: { keepLast: 2 } } as never);
    return localServiceFor(job, { ...aws, ...fixture, host: HOST, now: () => new Date('2026-11-20T06:00:00Z'), ...(storage ? { storage } : {}) });
  }

  async function runHourly(service: ReturnType<typeof serviceFor>, job: string, count: number): Promise<LocalRun[]> {
    const runs: LocalRun[] = [];
    for (let hour = 0; hour < count; hour += 1) {
      runs.push(await service.runJob(job, `retention-${job}-${hour}`, new Date(FIRST_RUN.getTime() + hour * 3600 * 1000)));
    }
    return runs;
  }

  const runIds = (runs: LocalRun[]) => runs.map((run) => (run.start.kind === 'started' ? run.start.runId : ''));

  it('keeps the last two runs after each success and leaves the pruned ones recoverable as noncurrent versions', async () => {
    const service = serviceFor('pruned-files', aws);

    const runs = await runHourly(service, 'pruned-files', 4);

    const ids = runIds(runs);
    const current = await listKeys(aws.moto.s3(), aws.bucket, 'pruned-files/');
    expect(new Set(current.map((key) => key.split('/')[4]))).toEqual(new Set(ids.slice(2)));
    const last = runs[3]?.completions[0];
    expect(last).toMatchObject({ kind: 'succeeded', retention: { kind: 'pruned', deleted: [{ runId: ids[1], reason: 'outside the retention policy' }] } });

    const versions = await aws.moto.s3().send(new ListObjectVersionsCommand({ Bucket: aws.bucket, Prefix: `pruned-files/2026/11/20/${ids[0]}/` }));
    expect(versions.DeleteMarkers?.map((marker) => marker.Key).sort()).toEqual(versions.Versions?.map((version) => version.Key).sort());
    expect(versions.Versions?.some((version) => version.Key?.endsWith('/manifest.json'))).toBe(true);
    expect(service.notifier.messages).toEqual([]);
  });

  it('leaves runs under Object Lock in place and reports until when', async () => {
    const locked = await aws.moto.createBackupBucket('cronsnap-retention-locked', { mode: 'governance', days: 1 });
    const service = serviceFor('locked-files', locked, { objectLock: { mode: 'governance', days: 1 } });

    const runs = await runHourly(service, 'locked-files', 3);

    const ids = runIds(runs);
    const current = await listKeys(aws.moto.s3(), locked.bucket, 'locked-files/');
    expect(new Set(current.map((key) => key.split('/')[4]))).toEqual(new Set(ids));
    const retention = runs[2]?.completions[0];
    expect(retention).toMatchObject({ retention: { kind: 'pruned', deleted: [], locked: [{ runId: ids[0], until: expect.any(Date) }] } });
  });
});
