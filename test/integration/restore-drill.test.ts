import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../lib/catalog/manifest';
import { drillResultKey, lastPassedDrillKey } from '../../lib/catalog/object-layout';
import { drillResultSchema } from '../../lib/catalog/drill-result';
import type { DrillOutcome } from '../../lib/drill/run-drill';
import { dumpKeys, startEtcd, type Etcd } from '../../lib/local/etcd-server';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { etcdJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { currentProfile, hostsBumpRevisionsOffline } from '../helpers/host-profiles';

const HOST = 'i-0d1e2f3a4b5c60001';

function drilled(outcome: DrillOutcome) {
  if (outcome.kind !== 'drilled') throw new Error(`expected a drill, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('restore drills of etcd snapshots, against a real etcd and moto', () => {
  const aws = useMotoBucket('cronsnap-drills');
  let etcd: Etcd;
  let service: LocalBackupService;
  let drillDir: string;
  let manifest: Extract<Manifest, { engine: 'etcd' }>;
  let liveKeys: Record<string, string>;

  beforeAll(async () => {
    etcd = await startEtcd({ name: 'drilled-member' });
    // Updated keys leave older revisions behind: the snapshot's totalKey then differs from the live count.
    for (let i = 0; i < 40; i += 1) await etcd.etcdctl(['put', `/registry/configmaps/ns-${i % 4}/cm-${i}`, `{"n":${i},"ü":"ünïcode"}`]);
    for (let i = 0; i < 10; i += 1) await etcd.etcdctl(['put', `/registry/configmaps/ns-${i % 4}/cm-${i}`, `{"n":${i},"v":2}`]);
    drillDir = mkdtempSync(join(aws.dir, 'drill-'));
    const workDir = mkdtempSync(join(aws.dir, 'work-'));
    service = localServiceFor(
      etcdJobInput({
        name: 'drilled-etcd',
        targets: { instanceIds: [HOST] },
        etcd: { endpoints: [etcd.clientUrl], workDir, memberName: etcd.name },
        drill: { schedule: '@weekly', workDir: drillDir, sampleKeys: 5 },
      }),
      { ...aws, host: HOST },
    );
    const { completions } = await service.runJob('drilled-etcd', 'backup-event', new Date('2026-11-23T10:00:00Z'));
    const [completion] = completions;
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'etcd') throw new Error(`backup failed: ${JSON.stringify(completion)}`);
    manifest = completion.manifest;
    liveKeys = await dumpKeys(etcd);
  });

  afterAll(async () => {
    await etcd?.stop();
  });

  /** The live member is exactly as the backup left it, and the drill left nothing in its scratch dir. */
  async function expectLiveUntouched(): Promise<void> {
    expect(await dumpKeys(etcd)).toEqual(liveKeys);
    expect(JSON.parse(await etcd.etcdctl(['endpoint', 'health', '-w', 'json']))).toEqual([expect.objectContaining({ health: true })]);
    expect(readdirSync(drillDir)).toEqual([]);
  }

  async function replaceObject(key: string, body: Buffer | string): Promise<void> {
    await aws.moto.s3().send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: aws.kmsKeyId }));
  }

  it('records the live key count at the snapshot revision, not the snapshot status total', () => {
    expect(manifest.etcd.keyCount).toBe(40);
    expect(manifest.etcd.totalKeys).toBeGreaterThan(40);
  });

  it('passes a good backup: the throwaway member holds the revision and every key the manifest recorded', async () => {
    const { result, resultKey, secondsSinceLastPass } = drilled(await service.drill('drilled-etcd', 'drill-good'));
    const drilledRevision = manifest.etcd.revision + (hostsBumpRevisionsOffline(currentProfile()) ? 1_000_000_000 : 0);

    expect(result).toMatchObject({ passed: true, backup: { runId: manifest.runId, host: HOST }, drillHost: HOST });
    expect(result.checks).toEqual(
      expect.arrayContaining([
        // etcdutl 3.5's restore moves every revision up by a billion; etcdctl's keeps them.
        { name: 'member revision', expected: drilledRevision, actual: drilledRevision, passed: true },
        { name: 'keys', expected: 40, actual: 40, passed: true },
        { name: 'keys read back', expected: 5, actual: 5, passed: true },
      ]),
    );
    expect(secondsSinceLastPass).toBe(0);
    const stored = drillResultSchema.parse(JSON.parse((await getObjectBytes(aws.moto.s3(), aws.bucket, resultKey)).toString()));
    expect(stored).toEqual(result);
    expect(resultKey).toBe(drillResultKey('drilled-etcd', result.drillId));
    expect(JSON.parse((await getObjectBytes(aws.moto.s3(), aws.bucket, lastPassedDrillKey('drilled-etcd'))).toString())).toEqual(result);
    expect(service.notifier.messages).toEqual([]);
    await expectLiveUntouched();
  });

  it('keeps the live member\'s ETCD_* settings away from the throwaway member, even when the agent\'s environment has them', async () => {
    // What a host whose agent was started from a shell that sourced /etc/etcd/etcd.conf would pass on.
    const live = {
      ETCD_NAME: etcd.name,
      ETCD_DATA_DIR: etcd.dataDir,
      ETCD_LISTEN_CLIENT_URLS: etcd.clientUrl,
      ETCD_ADVERTISE_CLIENT_URLS: etcd.clientUrl,
      ETCD_INITIAL_CLUSTER_STATE: 'existing',
      ETCD_INITIAL_CLUSTER: `${etcd.name}=http://127.0.0.1:1`,
    };
    const leaky = localServiceFor(
      etcdJobInput({
        name: 'drilled-etcd',
        targets: { instanceIds: [HOST] },
        etcd: { endpoints: [etcd.clientUrl], workDir: drillDir, memberName: etcd.name },
        drill: { schedule: '@weekly', workDir: drillDir, sampleKeys: 5 },
      }),
      { ...aws, host: HOST, hostEnv: live },
    );

    const { result } = drilled(await leaky.drill('drilled-etcd', 'drill-leaky-env'));

    expect(result).toMatchObject({ passed: true, backup: { runId: manifest.runId } });
    await expectLiveUntouched();
  });

  it('runs a redelivered drill event once', async () => {
    const scheduledTime = new Date('2026-11-29T00:00:00Z');
    drilled(await service.drill('drilled-etcd', 'drill-twice', scheduledTime));
    expect(await service.drill('drilled-etcd', 'drill-twice', scheduledTime)).toMatchObject({ kind: 'duplicate', job: 'drilled-etcd' });
  });

  describe('with a broken newest backup', () => {
    const originals: { key: string; body: Buffer }[] = [];

    async function breakObject(key: string, body: Buffer | string): Promise<void> {
      originals.push({ key, body: await getObjectBytes(aws.moto.s3(), aws.bucket, key) });
      await replaceObject(key, body);
    }

    afterEach(async () => {
      for (const { key, body } of originals.splice(0).reverse()) await replaceObject(key, body);
    });

    async function expectFailedDrill(eventId: string, reason: RegExp): Promise<void> {
      const before = service.notifier.messages.length;
      const { result } = drilled(await service.drill('drilled-etcd', eventId));
      expect(result.passed).toBe(false);
      expect(result.reason).toMatch(reason);
      expect(service.notifier.messages.slice(before)).toEqual([
        expect.objectContaining({ subject: 'cronsnap: drilled-etcd restore drill failed', message: expect.objectContaining({ reason: result.reason }) }),
      ]);
      const stored = drillResultSchema.parse(JSON.parse((await getObjectBytes(aws.moto.s3(), aws.bucket, drillResultKey('drilled-etcd', result.drillId))).toString()));
      expect(stored.passed).toBe(false);
      const lastPassed = drillResultSchema.parse(JSON.parse((await getObjectBytes(aws.moto.s3(), aws.bucket, lastPassedDrillKey('drilled-etcd'))).toString()));
      expect(lastPassed.passed).toBe(true);
      await expectLiveUntouched();
    }

    it('fails the drill of a tampered payload on its sha256', async () => {
      const stored = await getObjectBytes(aws.moto.s3(), aws.bucket, manifest.payload.key);
      await breakObject(manifest.payload.key, Buffer.alloc(stored.length, 7));
      await expectFailedDrill('drill-tampered', /sha256 of s3:\/\/.*snapshot\.db\.zst is [0-9a-f]{64} but the manifest says/);
    });

    it('fails the drill of a truncated payload instead of drilling an older backup', async () => {
      const stored = await getObjectBytes(aws.moto.s3(), aws.bucket, manifest.payload.key);
      await breakObject(manifest.payload.key, stored.subarray(0, stored.length >> 1));
      await expectFailedDrill('drill-truncated', new RegExp(`newest backup .* cannot be restored: .*snapshot\\.db\\.zst has ${stored.length >> 1} bytes, the manifest says ${stored.length}`));
    });

    it('fails the drill when the manifest recorded another key count than the snapshot holds', async () => {
      const manifestKey = manifest.payload.key.replace(/snapshot\.db\.zst$/, 'manifest.json');
      await breakObject(manifestKey, JSON.stringify({ ...manifest, etcd: { ...manifest.etcd, keyCount: 41 } }));
      await expectFailedDrill('drill-keycount', /^keys: expected 41, restored 40$/);
    });
  });
});
