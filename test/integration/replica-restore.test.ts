import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../lib/cli/exit-codes';
import { MOTO_CREDENTIALS } from '../../lib/local/moto-server';
import { configInput, filesJobInput } from '../helpers/config-factory';
import { localCli, type CliBucket } from '../helpers/local-cli';
import { expectActing, useMotoBucket } from '../helpers/moto-fixture';
import { functionKey, hostKey, stateMachineKey } from '../../lib/local/aws-call-recorder';
import { listKeys, replicateObjects } from '../helpers/s3-objects';

const HOST = 'mi-0c110000000000002';

describe('list and restore from the copy in another region', () => {
  const aws = useMotoBucket('cronsnap-dr-source');
  // The copy's stack's functions, its restore state machine and the DR host act on the copy.
  expectActing(aws.audit, 'cronsnap-dr-copy', [functionKey('list-backups'), functionKey('restore'), stateMachineKey('restore'), hostKey('dr-files')]);
  let copy: CliBucket;
  let tree: string;
  beforeAll(async () => {
    Object.assign(process.env, MOTO_CREDENTIALS);
    copy = await aws.moto.createBackupBucket('cronsnap-dr-copy');
    tree = join(aws.dir, 'app-conf');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'app.yaml'), 'replicas: 3\n');
    writeFileSync(join(tree, 'notes, v2.txt'), 'kept across regions\n');
  });

  const config = (replica = true) => ({
    ...configInput([filesJobInput({ name: 'dr-files', targets: { instanceIds: [HOST] }, files: { paths: [tree] }, workDir: aws.dir } as never)]),
    ...(replica ? { storage: { replica: { region: 'eu-west-1' } } } : {}),
  });

  it('restores a backup from the copy alone once the source bucket has lost it, saying the copy may lag', async () => {
    const backup = await localCli(aws, config(), ['--json', 'backup-now', 'dr-files', '--wait']);
    expect(backup.code).toBe(EXIT.ok);
    const { runId } = (JSON.parse(backup.out) as { runId: string }[])[0] ?? { runId: "?" };
    const copied = await replicateObjects(aws.moto.s3(), aws.bucket, copy, 'dr-files/');
    expect(copied.some((key) => key.endsWith('/manifest.json'))).toBe(true);
    // The source is gone: every backup object behind a delete marker, as a lost or wiped bucket leaves nothing to read.
    await aws.moto.s3().send(new DeleteObjectsCommand({ Bucket: aws.bucket, Delete: { Objects: copied.map((Key) => ({ Key })) } }));
    expect(await listKeys(aws.moto.s3(), aws.bucket, 'dr-files/')).toEqual([]);

    const fromSource = await localCli(aws, config(), ['--json', 'list', 'dr-files']);
    const fromCopy = await localCli(aws, config(), ['--json', 'list', 'dr-files', '--from-replica'], aws, copy);

    expect(JSON.parse(fromSource.out).backups).toEqual([]);
    expect(JSON.parse(fromCopy.out).backups).toEqual([expect.objectContaining({ runId, host: HOST })]);

    const root = join(aws.dir, 'restored');
    const restore = await localCli(aws, config(), ['restore', 'dr-files', '--from-replica', '--confirm', 'dr-files', '--restore-root', root], aws, copy);

    expect(restore.code).toBe(EXIT.ok);
    expect(restore.err).toContain('dr-files: restoring from the copy in eu-west-1, which may lag the backups by up to 15m');
    expect(readFileSync(join(root, tree, 'notes, v2.txt'), 'utf8')).toBe('kept across regions\n');
    expect(readFileSync(join(root, tree, 'app.yaml'), 'utf8')).toBe('replicas: 3\n');
  });

  it('refuses --from-replica without the copy\'s bucket here, or with no copy configured, naming what is missing', async () => {
    expect(await localCli(aws, config(), ['list', 'dr-files', '--from-replica'])).toMatchObject({
      code: EXIT.usage,
      err: "cronsnap: --from-replica with --local needs --replica-bucket, the copy's bucket",
    });
    expect(await localCli(aws, config(false), ['list', 'dr-files', '--from-replica'], aws, copy)).toMatchObject({
      code: EXIT.usage,
      err: 'cronsnap: --from-replica: the config has no storage.replica, so there is no copy to read',
    });
  });
});
