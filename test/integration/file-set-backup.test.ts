import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_PATH } from '../../lib/adapters/local-command-runner';
import type { FilesManifest } from '../../lib/catalog/manifest';
import { InvalidEventError, RestoreError } from '../../lib/errors';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { filesJobInput } from '../helpers/config-factory';
import { makeSampleTree, treeListing, type SampleTree } from '../helpers/file-tree';
import { localServiceFor } from '../helpers/local-service';
import { NO_DAC_OVERRIDE, useMotoBucket } from '../helpers/moto-fixture';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0f11e5e7000000001';
const OTHER_HOST = 'i-0f11e5e7000000002';

describe('file sets, end to end', () => {
  const aws = useMotoBucket('cronsnap-files');

  function treeIn(name: string): { root: string; tree: SampleTree } {
    const root = mkdtempSync(join(aws.dir, `${name}-`));
    return { root, tree: makeSampleTree(root) };
  }

  function serviceFor(
    jobName: string,
    paths: unknown[],
    extra: { wrapper?: string[]; twoHosts?: boolean; hostEnv?: Record<string, string>; parameterPassing?: 'text' } = {},
  ): LocalBackupService {
    return localServiceFor(filesJobInput({ name: jobName, targets: { instanceIds: [HOST, OTHER_HOST] }, files: { paths }, workDir: aws.dir } as never), {
      ...aws,
      host: HOST,
      ...(extra.hostEnv ? { hostEnv: extra.hostEnv } : {}),
      ...(extra.wrapper ? { wrapper: extra.wrapper } : {}),
      ...(extra.twoHosts ? { moreHosts: { [OTHER_HOST]: {} } } : {}),
      ...(extra.parameterPassing ? { parameterPassing: extra.parameterPassing } : {}),
    });
  }

  async function backUp(service: LocalBackupService, jobName: string): Promise<FilesManifest[]> {
    const { start, completions } = await service.runJob(jobName, `event-${jobName}`, new Date('2026-11-23T01:00:00Z'));
    expect(start.kind).toBe('started');
    return completions.map((completion) => {
      if (completion.kind !== 'succeeded') throw new Error(`backup failed: ${JSON.stringify(completion)}`);
      if (completion.manifest.engine !== 'files') throw new Error(`expected a files manifest, got ${completion.manifest.engine}`);
      return completion.manifest;
    });
  }

  it('takes one archive per host with a sha256 listing read from the archive, the package list, and the missing paths', async () => {
    const { root, tree } = treeIn('listing');
    const absent = join(root, 'etc', 'not-there');
    const service = serviceFor('node-files', [tree.etcdDir, tree.sparseFile, absent], { twoHosts: true });

    const manifests = await backUp(service, 'node-files');

    expect(manifests.map((manifest) => manifest.host).sort()).toEqual([HOST, OTHER_HOST]);
    const [manifest] = manifests;
    if (!manifest) throw new Error('no manifest');
    expect(manifest.files.paths).toEqual([
      { path: tree.etcdDir, required: false, present: true },
      { path: tree.sparseFile, required: false, present: true },
      { path: absent, required: false, present: false },
    ]);
    const disk = await treeListing([tree.etcdDir, tree.sparseFile]);
    const listed = Object.fromEntries(manifest.files.listing.map((file) => [file.path, file]));
    const regularFiles = Object.entries(disk).filter(([, entry]) => entry.type === 'file');
    expect(Object.keys(listed).sort()).toEqual(regularFiles.map(([path]) => path).sort());
    for (const [path, entry] of regularFiles) expect({ path, sha256: listed[path]?.sha256 }).toEqual({ path, sha256: entry.sha256 });
    // 0640, not 0600: setfacl's mask shows as the group bits.
    expect(listed[tree.key]).toMatchObject({ mode: '0640', uid: 1234, gid: 5678 });
    expect(listed[tree.sparseFile]?.size).toBe(1024 ** 3);
    // Holes stay holes: the 1 GB sparse file costs next to nothing.
    expect(manifest.payload.size).toBeLessThan(1024 * 1024);
    expect(manifest.files.packages).toMatchObject({ manager: 'dpkg', count: expect.any(Number) });
    if (manifest.files.packages.manager !== 'none') expect(manifest.files.packages.count).toBeGreaterThan(100);
    const listing = await service.listBackups('node-files');
    expect(listing.backups.map((backup) => [backup.host, backup.runId, backup.detail]).sort()).toEqual(
      manifests.map((m) => [m.host, m.runId, `${m.files.fileCount} files`]).sort(),
    );
    expect(service.notifier.messages).toEqual([]);
  });

  it("lists an RPM host's packages with rpm -qa, sorted, beside the archive", async () => {
    // No RPM host is at hand: a stand-in rpm prints a CentOS 7.9 host's listing, as rpm -qa does.
    const fixture = join(__dirname, '../fixtures/centos7-rpm-qa.txt');
    const bin = mkdtempSync(join(aws.dir, 'rpm-bin-'));
    writeFileSync(join(bin, 'rpm'), `#!/bin/sh\n[ "$1" = -qa ] && exec cat '${fixture}'\nexit 1\n`, { mode: 0o755 });
    const { tree } = treeIn('rpm');
    const service = serviceFor('rpm-files', [tree.etcdDir], { hostEnv: { PATH: `${bin}:${AGENT_PATH}` } });

    const [manifest] = await backUp(service, 'rpm-files');

    const expected = readFileSync(fixture, 'utf8').split('\n').filter(Boolean).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const packages = manifest?.files.packages;
    if (packages?.manager !== 'rpm') throw new Error(`expected an rpm package list, got ${JSON.stringify(packages)}`);
    expect(packages.count).toBe(expected.length);
    const stored = await aws.moto.s3().send(new GetObjectCommand({ Bucket: aws.bucket, Key: packages.payload.key }));
    const listed = execFileSync('zstd', ['-dc'], { input: Buffer.from(await stored.Body?.transformToByteArray() ?? []) }).toString('utf8');
    expect(listed.split('\n').filter(Boolean)).toEqual(expected);
  });

  it('restores owners, modes, xattrs, ACLs, symlinks and odd names exactly, keeping every replaced file as .old', async () => {
    const { root, tree } = treeIn('roundtrip');
    const paths = [tree.etcdDir, tree.sparseFile];
    const before = await treeListing(paths);
    const service = serviceFor('roundtrip-files', paths);
    const [manifest] = await backUp(service, 'roundtrip-files');
    if (!manifest) throw new Error('no manifest');

    writeFileSync(tree.conf, 'ETCD_NAME=edited-by-hand\n');
    chmodSync(tree.key, 0o644);
    unlinkSync(tree.oddName);
    rmSync(join(tree.etcdDir, 'ca.crt'));
    writeFileSync(join(root, 'ca.crt.new'), 'other');
    const added = join(tree.etcdDir, 'added-after-backup.conf');
    writeFileSync(added, 'new');
    const edited = await treeListing(paths);

    const plan = await service.restoreFiles(manifest, {});

    expect(plan.summary).toMatchObject({ mode: 'dry-run', missing: 2, changed: 2, added: 1, restored: 0 });
    expect(plan.changes).toEqual(
      expect.arrayContaining([
        { change: 'changed', path: tree.conf, what: ['content'] },
        // With an ACL on the file, chmod also rewrites its mask entry: both are reported.
        { change: 'changed', path: tree.key, what: ['mode', 'xattrs'] },
        { change: 'missing', path: tree.oddName, what: [] },
        { change: 'missing', path: join(tree.etcdDir, 'ca.crt'), what: [] },
        { change: 'added', path: added, what: [] },
      ]),
    );
    expect(await treeListing(paths)).toEqual(edited);

    const report = await service.restoreFiles(manifest, { dryRun: false, confirm: 'roundtrip-files' });

    expect(report.summary).toMatchObject({ mode: 'apply', missing: 2, changed: 2, restored: 4 });
    expect(report.saved.map((saved) => saved.path).sort()).toEqual([tree.conf, tree.key].sort());
    for (const { savedAs } of report.saved) expect(savedAs).toMatch(/\.old-\d{8}T\d{6}Z$/);
    const savedConf = report.saved.find((saved) => saved.path === tree.conf)?.savedAs ?? '';
    expect(readFileSync(savedConf, 'utf8')).toBe('ETCD_NAME=edited-by-hand\n');
    const isOld = (path: string) => /\.old-\d{8}T\d{6}Z$/.test(path) || path === added;
    expect(await treeListing(paths, isOld)).toEqual(before);
    expect(readFileSync(added, 'utf8')).toBe('new');
    expect(service.notifier.messages).toEqual([]);
  });

  it('restores beside the live files under restoreRoot, leaving them as they are, and relabels each restored entry where SELinux is on', async () => {
    const { tree } = treeIn('beside');
    // Stand-ins for an SELinux host: selinuxenabled says yes, restorecon notes what it is asked to relabel.
    const bin = mkdtempSync(join(aws.dir, 'selinux-bin-'));
    const relabelled = join(bin, 'restorecon.log');
    writeFileSync(join(bin, 'selinuxenabled'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    // NUL-separated: one of the sample names holds a newline.
    writeFileSync(join(bin, 'restorecon'), `#!/bin/sh\nprintf '%s\\0' "$*" >>'${relabelled}'\n`, { mode: 0o755 });
    const service = serviceFor('beside-files', [tree.etcdDir], { hostEnv: { PATH: `${bin}:${AGENT_PATH}` } });
    const [manifest] = await backUp(service, 'beside-files');
    if (!manifest) throw new Error('no manifest');
    writeFileSync(tree.conf, 'ETCD_NAME=edited-by-hand\n');
    const root = mkdtempSync(join(aws.dir, 'restore-root-'));

    const report = await service.restoreFiles(manifest, { dryRun: false, confirm: 'beside-files', restoreRoot: root });

    // Compared with what is under the root (nothing yet): every entry of the set is restored there.
    const entries = report.summary.restored;
    expect(entries).toBeGreaterThan(manifest.files.fileCount);
    expect(report.summary).toMatchObject({ mode: 'apply', missing: entries, changed: 0 });
    expect(report.saved).toEqual([]);
    expect(readFileSync(join(root, tree.conf), 'utf8')).toContain('ETCD_NAME=member-a');
    expect(readFileSync(tree.conf, 'utf8')).toBe('ETCD_NAME=edited-by-hand\n');
    const relabels = readFileSync(relabelled, 'utf8').split('\0').filter(Boolean);
    expect(relabels).toHaveLength(entries);
    expect(relabels).toContain(`-F -- ${join(root, tree.conf)}`);
    expect(relabels.every((line) => line.startsWith(`-F -- ${root}/`))).toBe(true);
  });

  it('backs up and restores through an agent older than 3.3.2746.0, which replaces {{ name }} in the commands instead of exporting SSM_<name>', async () => {
    const { tree } = treeIn('old-agent');
    const service = serviceFor('old-agent-files', [tree.etcdDir], { parameterPassing: 'text' });

    const [manifest] = await backUp(service, 'old-agent-files');
    if (!manifest) throw new Error('no manifest');
    writeFileSync(tree.conf, 'ETCD_NAME=edited-by-hand\n');
    const report = await service.restoreFiles(manifest, { dryRun: false, confirm: 'old-agent-files' });

    expect(manifest).toMatchObject({ job: 'old-agent-files', host: HOST, files: { paths: [{ path: tree.etcdDir, present: true }] } });
    expect(report.summary).toMatchObject({ mode: 'apply', changed: 1, restored: 1 });
    expect(readFileSync(tree.conf, 'utf8')).toContain('ETCD_NAME=member-a');
  });

  it('leaves every file as it is when a real restore finds nothing to change', async () => {
    const { tree } = treeIn('unchanged');
    const service = serviceFor('unchanged-files', [tree.etcdDir]);
    const [manifest] = await backUp(service, 'unchanged-files');
    if (!manifest) throw new Error('no manifest');
    // A newer mtime is not a difference the restore acts on; a file written from the archive would lose it.
    const touched = new Date('2030-01-01T00:00:00Z');
    utimesSync(tree.conf, touched, touched);

    const report = await service.restoreFiles(manifest, { dryRun: false, confirm: 'unchanged-files' });

    expect(report.summary).toMatchObject({ mode: 'apply', missing: 0, changed: 0, restored: 0 });
    expect(statSync(tree.conf).mtime.toISOString()).toBe(touched.toISOString());
  });

  it('refuses a real restore without confirm, and one whose archive checksum differs, changing nothing', async () => {
    const { tree } = treeIn('refused');
    const service = serviceFor('refused-files', [tree.etcdDir]);
    const [manifest] = await backUp(service, 'refused-files');
    if (!manifest) throw new Error('no manifest');
    writeFileSync(tree.conf, 'changed\n');
    const edited = await treeListing([tree.etcdDir]);

    await expect(service.restoreFiles(manifest, { dryRun: false })).rejects.toThrow(InvalidEventError);
    await expect(service.restoreFiles(manifest, { dryRun: false, confirm: 'other-job' })).rejects.toThrow("event.confirm: a real restore needs confirm equal to the job name 'refused-files'; nothing was changed");
    // Same size, other bytes: the catalog's size check passes, the host's sha256 check must not.
    const tampered = Buffer.alloc(manifest.payload.size, 'x');
    await aws.moto.s3().send(new PutObjectCommand({ Bucket: aws.bucket, Key: manifest.payload.key, Body: tampered, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: aws.kmsKeyId }));
    const refusal = service.restoreFiles(manifest, { dryRun: false, confirm: 'refused-files' });
    await expect(refusal).rejects.toThrow(RestoreError);
    await expect(refusal).rejects.toThrow(`but the manifest says ${manifest.payload.sha256}; nothing was changed`);

    expect(await treeListing([tree.etcdDir])).toEqual(edited);
  });

  it('fails clearly, with no manifest, when a required path is missing', async () => {
    const { root } = treeIn('required');
    const required = join(root, 'etc', 'origin');
    const service = serviceFor('required-files', [{ path: required, required: true }]);

    const { completions } = await service.runJob('required-files', 'event-required');

    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: `step=paths: required path ${required} does not exist on ${HOST}` })]);
    expect((await listKeys(aws.moto.s3(), aws.bucket, 'required-files/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);
  });

  it('fails clearly, naming the file, when a file cannot be read', async () => {
    const pki = mkdtempSync(join(aws.dir, 'pki-'));
    writeFileSync(join(pki, 'readable.crt'), 'x');
    const secret = join(pki, 'unreadable.key');
    writeFileSync(secret, 'x');
    chmodSync(secret, 0o000);
    const service = serviceFor('unreadable-files', [pki], { wrapper: NO_DAC_OVERRIDE });

    const { completions } = await service.runJob('unreadable-files', 'event-unreadable');

    expect(completions).toEqual([
      expect.objectContaining({ kind: 'failed', reason: `step=archive: cannot archive on ${HOST}: ${secret.slice(1)}: Cannot open: Permission denied` }),
    ]);
    expect((await listKeys(aws.moto.s3(), aws.bucket, 'unreadable-files/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);
    expect(existsSync(secret)).toBe(true);
  });
});
