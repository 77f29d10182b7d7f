import { GetObjectLegalHoldCommand, ListObjectVersionsCommand, PutObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPrefix } from '../../lib/catalog/object-layout';
import type { LocalRun } from '../../lib/local/local-backup-service';
import { configInput, filesJobInput } from '../helpers/config-factory';
import { localCli } from '../helpers/local-cli';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0f11e5e7000000001';
const FIRST_RUN = new Date('2026-11-20T01:00:00Z');
const DAY_MS = 86400000;

describe('retention after real backups', () => {
  const aws = useMotoBucket('cronsnap-retention');

  /** A files job keeping the last two runs, over a small tree of its own. */
  function filesJob(jobName: string) {
    const root = join(aws.dir, jobName);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'etcd.conf'), `name: ${jobName}\n`);
    return filesJobInput({ name: jobName, targets: { instanceIds: [HOST] }, files: { paths: [root] }, workDir: aws.dir, retention: { keepLast: 2 } } as never);
  }

  function serviceFor(jobName: string, fixture: { bucket: string; kmsKeyId: string }, storage?: { objectLock: { mode: 'governance'; days: number } }, now = new Date('2026-11-20T06:00:00Z')) {
    return localServiceFor(filesJob(jobName), { ...aws, ...fixture, host: HOST, now: () => now, ...(storage ? { storage } : {}) });
  }

  /** `count` scheduled runs an hour apart, the first `from` hours after FIRST_RUN. */
  async function runHourly(service: ReturnType<typeof serviceFor>, job: string, count: number, from = 0): Promise<LocalRun[]> {
    const runs: LocalRun[] = [];
    for (let hour = from; hour < from + count; hour += 1) {
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

  it('never prunes a run kept through the CLI, shows it kept in list, and prunes it once unkept', async () => {
    const service = serviceFor('kept-files', aws);
    const config = configInput([filesJob('kept-files')]);
    const ids = runIds(await runHourly(service, 'kept-files', 2));

    const kept = await localCli(aws, config, ['keep', 'kept-files', ids[0] ?? '', '--forever', '--reason', 'before the upgrade']);
    const later = await runHourly(service, 'kept-files', 4, 2);

    expect(kept).toMatchObject({ code: 0, out: `kept-files: run ${ids[0]} kept forever (before the upgrade): retention will not prune it` });
    const current = async () => new Set((await listKeys(aws.moto.s3(), aws.bucket, 'kept-files/')).map((key) => key.split('/')[4]));
    expect(await current()).toEqual(new Set([ids[0], ...runIds(later).slice(2)]));
    expect((await localCli(aws, config, ['list', 'kept-files'])).out).toMatch(new RegExp(`${ids[0]}.*\\[kept forever \\(before the upgrade\\)\\]`));

    expect(await localCli(aws, config, ['unkeep', 'kept-files', ids[0] ?? ''])).toMatchObject({ code: 0, out: `kept-files: run ${ids[0]} no longer kept: retention decides again` });
    await service.runJob('kept-files', 'retention-kept-files-after', new Date(FIRST_RUN.getTime() + 10 * 3600 * 1000));
    expect((await current()).has(ids[0] ?? '')).toBe(false);
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

  /** A files job's first run in a bucket with Object Lock, with somebody else's legal hold on one of its objects. */
  async function heldRun(jobName: string) {
    const storage = { objectLock: { mode: 'governance' as const, days: 1 } };
    const locked = await aws.moto.createBackupBucket(`cronsnap-retention-${jobName}`, storage.objectLock);
    const [runId = ''] = runIds(await runHourly(serviceFor(jobName, locked, storage), jobName, 1));
    const config = { ...configInput([filesJob(jobName)]), storage };
    const objects = (await listKeys(aws.moto.s3(), locked.bucket, `${jobName}/`)).filter((key) => key.includes(`/${runId}/`));
    const [foreign = ''] = objects;
    await aws.moto.s3().send(new PutObjectLegalHoldCommand({ Bucket: locked.bucket, Key: foreign, LegalHold: { Status: 'ON' } }));
    return { storage, locked, runId, config, objects, foreign };
  }

  it('puts a legal hold on every object of a run kept where Object Lock is on, and on unkeep lifts those it placed, not one somebody else placed', async () => {
    const { locked, runId, config, objects, foreign } = await heldRun('held-files');
    const holds = () => Promise.all(objects.map(async (Key) => (await aws.moto.s3().send(new GetObjectLegalHoldCommand({ Bucket: locked.bucket, Key }))).LegalHold?.Status));

    const kept = await localCli(aws, config, ['keep', 'held-files', runId, '--until', '2099-12-31'], locked);
    expect(kept).toMatchObject({ code: 0, out: expect.stringContaining(`legal hold on for ${objects.length - 1} objects`) });
    expect(await holds()).toEqual(objects.map(() => 'ON'));

    await localCli(aws, config, ['unkeep', 'held-files', runId], locked);
    expect(await holds()).toEqual(objects.map((key) => (key === foreign ? 'ON' : 'OFF')));
  });

  it('lifts the legal holds of a lapsed keep when pruning next runs, so the run it deletes leaves no held version, and leaves one somebody else placed', async () => {
    const { storage, locked, runId, config, objects, foreign } = await heldRun('lapsed-files');
    const until = new Date(Date.now() + 30 * DAY_MS);
    await localCli(aws, config, ['keep', 'lapsed-files', runId, '--until', until.toISOString().slice(0, 10)], locked);

    const later = serviceFor('lapsed-files', locked, storage, new Date(until.getTime() + 30 * DAY_MS));
    const runs = await runHourly(later, 'lapsed-files', 2, 1);

    expect(runs[1]?.completions[0]).toMatchObject({ retention: { kind: 'pruned', deleted: [{ runId }] } });
    const versions = await aws.moto.s3().send(new ListObjectVersionsCommand({ Bucket: locked.bucket, Prefix: `${runPrefix('lapsed-files', runId, FIRST_RUN)}/` }));
    const stored = versions.Versions ?? [];
    const holds = await Promise.all(
      stored.map(async ({ Key, VersionId }) => [Key, (await aws.moto.s3().send(new GetObjectLegalHoldCommand({ Bucket: locked.bucket, Key, VersionId }))).LegalHold?.Status === 'ON'] as const),
    );
    expect(holds.map(([key]) => key).sort()).toEqual(objects);
    expect(holds.filter(([, on]) => on).map(([key]) => key)).toEqual([foreign]);
    expect(versions.DeleteMarkers?.map((marker) => marker.Key).sort()).toEqual(objects);
  });
});
