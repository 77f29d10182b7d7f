import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseManifest } from '../../lib/catalog/manifest';
import { EXIT } from '../../lib/cli/exit-codes';
import { configInput, filesJobInput } from '../helpers/config-factory';
import { useMotoBucket } from '../helpers/moto-fixture';
import { version } from '../../package.json';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..');

/** What a user runs: the tarball `npm pack` makes, installed without devDependencies or a registry. */
describe('the packed CLI, installed as a user installs it', () => {
  const aws = useMotoBucket('cronsnap-pack');
  let cronsnap: (args: string[], env?: NodeJS.ProcessEnv) => Promise<{ code: number; out: string; err: string }>;
  let installed: string;

  beforeAll(async () => {
    const packs = join(aws.dir, 'packs');
    mkdirSync(packs);
    // npm pack runs prepack, which compiles the CLI: the tarball is what a registry would serve.
    await run('npm', ['pack', '--pack-destination', packs, '--silent'], { cwd: REPO });
    const tarball = join(packs, `cronsnap-${version}.tgz`);
    const prefix = join(aws.dir, 'prefix');
    // A path outside the checkout: nothing of the repo's node_modules is in reach.
    await run('npm', ['install', '--global', '--offline', '--omit=dev', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: aws.dir });
    installed = join(prefix, 'lib', 'node_modules', 'cronsnap');
    cronsnap = async (args, env = {}) => {
      try {
        const { stdout, stderr } = await run(join(prefix, 'bin', 'cronsnap'), args, { cwd: aws.dir, env: { PATH: process.env.PATH, HOME: aws.dir, ...env } });
        return { code: 0, out: stdout, err: stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, out: failed.stdout, err: failed.stderr };
      }
    };
  }, 180_000);

  it('ships compiled JavaScript, the host programs and the user documents, and no tests or TypeScript', () => {
    const files = readdirSync(installed, { recursive: true }).map(String);
    expect(files).toEqual(expect.arrayContaining(['dist/cli/cronsnap.mjs', 'dist/host-scripts/common.sh', 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']));
    expect(files.filter((file) => /(^|\/)(test|bench|infra)\//.test(file) || /\.ts$/.test(file))).toEqual([]);
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
  });

  it('prints its version, and refuses a job the config lacks before calling AWS', async () => {
    expect(await cronsnap(['--version'])).toMatchObject({ code: 0, out: `${version}\n` });

    const example = join(REPO, 'config', 'cronsnap.example.yaml');
    // No region, no credentials: the job name is checked first, so the answer is the config's.
    const unknown = await cronsnap(['-c', example, 'list', 'nope']);
    expect(unknown).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("job 'nope' is not in the config") });
  });

  it('validates and plans a config from the install', async () => {
    const example = join(REPO, 'config', 'cronsnap.example.yaml');

    expect(await cronsnap(['-c', example, 'validate'])).toMatchObject({ code: 0, out: expect.stringContaining('valid, 5 jobs') });
    const plan = await cronsnap(['-c', example, '--json', 'plan']);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.out) as { job: string; nextRuns: unknown[] }[]).map((job) => job.nextRuns.length)).toEqual([5, 5, 5, 5, 5]);
  });

  it('backs up a file set with --local through the installed host programs, whose manifest names this version', async () => {
    const tree = join(aws.dir, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'app.conf'), 'listen 8080\n');
    const file = join(aws.dir, 'files.json');
    writeFileSync(file, JSON.stringify(configInput([filesJobInput({ name: 'pack-files', targets: { instanceIds: ['mi-0c110000000000009'] }, files: { paths: [tree] }, workDir: aws.dir } as never)])));
    const local = ['-c', file, '--local', '--bucket', aws.bucket, '--kms-key-id', aws.kmsKeyId, '--endpoint-url', aws.moto.endpoint, '--work-dir', aws.dir];

    const backup = await cronsnap([...local, '--json', 'backup-now', 'pack-files', '--wait'], aws.moto.env);

    expect(backup.err).not.toMatch(/cronsnap: /);
    expect(backup.code).toBe(0);
    const [result] = JSON.parse(backup.out) as { outcome: string; runId: string }[];
    expect(result?.outcome).toBe('succeeded');
    const listing = await cronsnap([...local, '--json', 'list', 'pack-files'], aws.moto.env);
    const [listed] = (JSON.parse(listing.out) as { backups: { runId: string; manifestKey: string }[] }).backups;
    expect(listed?.runId).toBe(result?.runId);
    const stored = await aws.moto.s3().send(new GetObjectCommand({ Bucket: aws.bucket, Key: listed?.manifestKey }));
    expect(parseManifest((await stored.Body?.transformToString()) ?? '', listed?.manifestKey ?? '').cronsnapVersion).toBe(version);
  });
});
