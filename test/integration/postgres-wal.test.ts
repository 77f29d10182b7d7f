import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_PATH } from '../../lib/adapters/local-command-runner';
import type { CompletionOutcome } from '../../lib/backup/complete-backup';
import { parseWalSegmentManifest } from '../../lib/catalog/wal-manifest';
import { segmentOfLsn } from '../../lib/catalog/wal-segments';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { startPostgres, type Postgres } from '../../lib/local/postgres-server';
import { postgresJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0a1b2c3d4e5f60031';
const PASSWORD = 'wal-s3cret';
const SEGMENT_SIZE = 16 * 1024 ** 2;

type WalShipped = Extract<CompletionOutcome, { kind: 'wal-shipped' }>;

/** A wrapper's first line: its own dir off PATH, so it calls the host's own tool (whichever host the profile plays). */
const withoutOwnDir = (bin: string) => `PATH=$(printf %s "$PATH" | sed 's#${bin}:##')\n`;

describe('postgres WAL shipping, end to end', () => {
  const aws = useMotoBucket('cronsnap-pg-wal');
  let source: Postgres;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-pg-wal-it-'));
    chmodSync(dir, 0o755);
    source = await startPostgres();
    await aws.moto.putSecureString('/cronsnap/prod-postgres/password', PASSWORD);
    await source.sql(`CREATE ROLE backup LOGIN SUPERUSER REPLICATION PASSWORD '${PASSWORD}'`);
    await source.sql('CREATE TABLE ledger (id serial PRIMARY KEY, note text, at timestamptz DEFAULT clock_timestamp())');
  });

  afterAll(async () => {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function walService(name: string, slot: string, jobFields: Record<string, unknown> = {}, hostEnv: Record<string, string> = {}) {
    const defaults = (postgresJobInput() as { postgres: Record<string, unknown> }).postgres;
    const job = postgresJobInput({
      name,
      targets: { instanceIds: [HOST] },
      workDir: dir,
      postgres: { ...defaults, passwordParameter: '/cronsnap/prod-postgres/password', server: `127.0.0.1:${source.port}`, mode: 'physical', checkpoint: 'fast' },
      wal: { schedule: '*/5 * * * *', slot },
      ...jobFields,
    } as never);
    return localServiceFor(job, { ...aws, host: HOST, dir, hostEnv });
  }

  /** Writes enough rows to fill more than one segment, so a run has whole segments to ship. */
  const writeRows = (count: number) => source.sql(`INSERT INTO ledger (note) SELECT repeat(md5(g::text), 64) FROM generate_series(1, ${count}) g`);

  async function ship(service: ReturnType<typeof walService>, job: string, eventId: string): Promise<WalShipped> {
    const { start, completions } = await service.runJob(job, eventId, new Date(), 'wal');
    const completion = completions[0];
    if (start.kind !== 'started' || completion?.kind !== 'wal-shipped') throw new Error(JSON.stringify({ start, completions, sns: service.notifier.messages }));
    return completion;
  }

  async function baseBackupRun(service: ReturnType<typeof walService>, job: string, eventId: string) {
    const { completions } = await service.runJob(job, eventId);
    const completion = completions[0];
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'postgres' || !completion.manifest.postgres.physical) {
      throw new Error(JSON.stringify({ completions, sns: service.notifier.messages }));
    }
    const { walStart, timeline } = completion.manifest.postgres.physical;
    return { completion, startSegment: segmentOfLsn(walStart, timeline, SEGMENT_SIZE) };
  }

  const baseBackup = async (service: ReturnType<typeof walService>, job: string, eventId: string) => (await baseBackupRun(service, job, eventId)).startSegment;

  /** The segments of the job's WAL folder in S3, by the part of each. */
  async function storedSegments(prefix: string): Promise<{ manifests: string[]; payloads: string[] }> {
    const keys = await listKeys(aws.moto.s3(), aws.bucket, `${prefix}/`);
    const names = (suffix: string) => keys.filter((key) => key.endsWith(suffix)).map((key) => key.slice(prefix.length + 1, -suffix.length)).sort();
    return { manifests: names('.json'), payloads: names('.zst') };
  }

  it('ships every completed segment from the base backup on, each equal to the server’s own, and none twice, however soon the next run comes', async () => {
    const service = walService('wal-pg', 'cronsnap_wal');
    const systemIdentifier = (await source.sql('SELECT system_identifier FROM pg_control_system()')).trim();
    const baseStart = await baseBackup(service, 'wal-pg', 'wal-event-1');
    await writeRows(40_000);

    const first = await ship(service, 'wal-pg', 'wal-event-2');

    expect(first.manifest).toMatchObject({ systemIdentifier, slot: 'cronsnap_wal', slotCreated: false, gap: null, logPrefix: `wal-pg/wal/${systemIdentifier}` });
    expect(first.manifest.shipped.length).toBeGreaterThan(1);
    expect(first.manifest.shipped).toContain(baseStart);
    expect(first.chain).toEqual({ kind: 'whole', from: baseStart, to: first.manifest.newestShipped });
    // Each segment as shipped is the server's own file, byte for byte, and its manifest says so.
    for (const segment of first.manifest.shipped) {
      const manifestKey = `${first.manifest.logPrefix}/${segment}.json`;
      const manifest = parseWalSegmentManifest((await getObjectBytes(aws.moto.s3(), aws.bucket, manifestKey)).toString(), manifestKey);
      const bytes = execFileSync('zstd', ['-q', '-d', '-c'], { input: await getObjectBytes(aws.moto.s3(), aws.bucket, manifest.payload.key), maxBuffer: 2 * SEGMENT_SIZE });
      expect({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ size: SEGMENT_SIZE, sha256: manifest.payload.rawSha256 });
      expect(bytes.equals(readFileSync(join(source.dataDir, 'pg_wal', segment)))).toBe(true);
    }
    // The slot now holds only what came after the run's last shipped segment: less than one.
    expect(first.manifest.slotRetainedBytes).toBeLessThan(SEGMENT_SIZE);

    await writeRows(20_000);
    const second = await ship(service, 'wal-pg', 'wal-event-3');
    const idle = await ship(service, 'wal-pg', 'wal-event-4');

    expect(second.manifest.shipped.length).toBeGreaterThan(0);
    expect(second.manifest.shipped.filter((segment) => first.manifest.shipped.includes(segment))).toEqual([]);
    const secondFirst = `${second.manifest.logPrefix}/${second.manifest.shipped[0]}.json`;
    expect(parseWalSegmentManifest((await getObjectBytes(aws.moto.s3(), aws.bucket, secondFirst)).toString(), secondFirst).previousSegment).toBe(first.manifest.newestShipped);
    expect(second.chain).toEqual({ kind: 'whole', from: baseStart, to: second.manifest.newestShipped });
    // Nothing was written since but what the server logs by itself: nothing shipped twice.
    expect(idle.manifest.gap).toBeNull();
    expect(idle.manifest.shipped.filter((segment) => segment <= second.manifest.newestShipped)).toEqual([]);
    await source.sql("SELECT pg_drop_replication_slot('cronsnap_wal')");
  });

  it('recreates a replication slot dropped on the server, fails naming the segments lost, and is whole again after a new base backup', async () => {
    // One base backup kept: the new one prunes the old and every segment only the old one needed.
    const service = walService('wal-dropped', 'cronsnap_dropped', { retention: { keepLast: 1 } });
    await baseBackup(service, 'wal-dropped', 'dropped-event-1');
    await writeRows(5_000);
    const shipped = await ship(service, 'wal-dropped', 'dropped-event-2');
    await source.sql("SELECT pg_drop_replication_slot('cronsnap_dropped')");
    // Two switched segments of writes no slot holds.
    for (let i = 0; i < 2; i++) {
      await writeRows(100);
      await source.sql('SELECT pg_switch_wal()');
    }
    // The checkpoint moves the redo pointer, where a new slot starts, past them, and removes them.
    await source.sql('CHECKPOINT');

    const { completions } = await service.runJob('wal-dropped', 'dropped-event-3', new Date(), 'wal');

    expect(completions).toEqual([
      expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/dropped WAL segments [0-9A-F]{24} to [0-9A-F]{24} before they were shipped \(the replication slot cronsnap_dropped was missing and is created again\)/) }),
    ]);
    const lostFrom = /segments ([0-9A-F]{24})/.exec((completions[0] as { reason: string }).reason)?.[1];
    expect(lostFrom).toBe(`${shipped.manifest.newestShipped.slice(0, 16)}${(Number.parseInt(shipped.manifest.newestShipped.slice(16), 16) + 1).toString(16).toUpperCase().padStart(8, '0')}`);
    expect(service.notifier.messages.at(-1)?.subject).toBe('cronsnap: wal-dropped WAL shipping failed on ' + HOST);
    expect(await source.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cronsnap_dropped'")).toBe('1\n');

    // The chain from the base backup stays broken until a new base backup starts another.
    await writeRows(5_000);
    const broken = await service.runJob('wal-dropped', 'dropped-event-4', new Date(), 'wal');
    expect(broken.completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringContaining(`WAL segments ${lostFrom} to `) })]);
    const shippedBefore = (await storedSegments(shipped.manifest.logPrefix)).manifests;
    expect(shippedBefore.length).toBeGreaterThan(1);
    const { completion: newBase, startSegment: newStart } = await baseBackupRun(service, 'wal-dropped', 'dropped-event-5');
    expect(shippedBefore.every((segment) => segment < newStart)).toBe(true);
    expect(await storedSegments(shipped.manifest.logPrefix)).toEqual({ manifests: [], payloads: [] });
    const whole = await ship(service, 'wal-dropped', 'dropped-event-6');

    expect(newBase.retention).toMatchObject({
      kind: 'pruned',
      deleted: [expect.objectContaining({ reason: 'outside the retention policy' })],
      wal: { keptFrom: [{ systemIdentifier: shipped.manifest.systemIdentifier, segment: newStart }] },
    });
    expect(whole.chain).toEqual({ kind: 'whole', from: newStart, to: whole.manifest.newestShipped });
    // What the pruned base backup alone needed is gone; from the kept one's first segment on, every
    // segment is there with its manifest, the placeholder of a pruned one never shipped as WAL.
    const stored = await storedSegments(whole.manifest.logPrefix);
    expect(stored.manifests).toEqual(whole.manifest.shipped);
    expect(stored.payloads).toEqual(whole.manifest.shipped);
    expect(whole.manifest.shipped).toContain(newStart);
    await source.sql("SELECT pg_drop_replication_slot('cronsnap_dropped')");
  });

  it('keeps the segments whose upload failed in the spool and ships them first on the next run, whatever the server dropped since', async () => {
    // An aws CLI that refuses the upload of the staged WAL segments while the flag file exists.
    const bin = join(dir, 'failing-aws-bin');
    const flag = join(dir, 'fail-wal-uploads');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'aws'),
      `#!/bin/sh\n${withoutOwnDir(bin)}if [ -e '${flag}' ]; then for arg; do case $arg in */outbox) echo 'upload refused by the test' >&2; exit 1;; esac; done; fi\nexec aws "$@"\n`,
      { mode: 0o755 },
    );
    const service = walService('wal-retry', 'cronsnap_retry', {}, { PATH: `${bin}:${AGENT_PATH}` });
    const baseStart = await baseBackup(service, 'wal-retry', 'retry-event-1');
    await writeRows(20_000);
    writeFileSync(flag, '');

    const { completions } = await service.runJob('wal-retry', 'retry-event-2', new Date(), 'wal');

    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/step=ship-wal: upload of WAL segments [0-9A-F]{24} to [0-9A-F]{24} failed: upload refused by the test; they stay in /) })]);
    const spool = join(dir, 'cronsnap-wal-wal-retry');
    const placeholder = readFileSync(join(spool, 'placeholder'), 'utf8').trim();
    const received = readdirSync(spool).filter((name) => /^[0-9A-F]{24}$/.test(name) && name !== placeholder).sort();
    expect(received.length).toBeGreaterThan(1);
    expect(statSync(spool).mode & 0o777).toBe(0o700);
    rmSync(flag);
    // The server may recycle whatever pg_receivewal reported received: only the spool has it now.
    await source.sql('CHECKPOINT');

    const retried = await ship(service, 'wal-retry', 'retry-event-3');

    expect(retried.manifest.shipped.slice(0, received.length)).toEqual(received);
    expect(retried.manifest.shipped).toContain(baseStart);
    expect(retried.chain).toEqual({ kind: 'whole', from: baseStart, to: retried.manifest.newestShipped });
    await source.sql("SELECT pg_drop_replication_slot('cronsnap_retry')");
  });

  it('ships again a segment whose manifest did not land though newer ones did, so the chain from the base backup has no hole', async () => {
    // An aws CLI that loses the staged manifest the flag file names, stores the rest, and fails.
    const bin = join(dir, 'partial-aws-bin');
    const flag = join(dir, 'lose-manifest');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'aws'),
      `#!/bin/sh\n${withoutOwnDir(bin)}if [ -e '${flag}' ]; then for arg; do case $arg in */manifests) rm -f "$arg/$(cat '${flag}').json"; aws "$@"; echo 'a manifest was lost by the test' >&2; exit 1;; esac; done; fi\nexec aws "$@"\n`,
      { mode: 0o755 },
    );
    const service = walService('wal-holes', 'cronsnap_holes', {}, { PATH: `${bin}:${AGENT_PATH}` });
    const baseStart = await baseBackup(service, 'wal-holes', 'holes-event-1');
    await writeRows(20_000);
    // The base backup's own first segment: without it no restore from that backup can start.
    writeFileSync(flag, baseStart);

    const { completions } = await service.runJob('wal-holes', 'holes-event-2', new Date(), 'wal');

    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/the manifests of WAL segments [0-9A-F]{24} to [0-9A-F]{24} were not all stored: a manifest was lost by the test/) })]);
    const systemIdentifier = (await source.sql('SELECT system_identifier FROM pg_control_system()')).trim();
    const prefix = `wal-holes/wal/${systemIdentifier}`;
    const partial = await storedSegments(prefix);
    const [lost] = partial.payloads.filter((segment) => !partial.manifests.includes(segment));
    expect(lost).toBe(baseStart);
    expect(partial.manifests.filter((segment) => segment > (lost ?? '')).length).toBeGreaterThan(0);
    rmSync(flag);

    const healed = await ship(service, 'wal-holes', 'holes-event-3');

    expect(healed.manifest.shipped[0]).toBe(lost);
    expect(healed.chain).toEqual({ kind: 'whole', from: baseStart, to: healed.manifest.newestShipped });
    const stored = await storedSegments(prefix);
    expect(stored.manifests).toEqual(stored.payloads);
    await source.sql("SELECT pg_drop_replication_slot('cronsnap_holes')");
  });
});
