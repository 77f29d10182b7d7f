import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FilesManifest } from '../../lib/catalog/manifest';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { filesJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';

const HOST = 'i-0f11e5e7000000011';
const MB = 1_000_000;

describe('what a backup takes from its host: part sizes, priorities, bandwidth', () => {
  const aws = useMotoBucket('cronsnap-host-limits');

  /** A bin dir whose `name` records its argv (or `extra` of the process) to a log and runs the real one. */
  function recording(name: string, extra = ''): { bin: string; log: string } {
    const bin = mkdtempSync(join(aws.dir, `${name}-bin-`));
    const log = join(bin, 'calls.log');
    writeFileSync(join(bin, name), `#!/bin/bash\n{ printf '%s\\n' "$*"; ${extra} } >>'${log}'\nexec /usr/bin/${name} "$@"\n`, { mode: 0o755 });
    return { bin, log };
  }

  function serviceFor(name: string, paths: string[], job: Record<string, unknown>, bin?: string): LocalBackupService {
    return localServiceFor(filesJobInput({ name, targets: { instanceIds: [HOST] }, files: { paths, packageList: false }, workDir: aws.dir, ...job } as never), {
      ...aws,
      host: HOST,
      ...(bin ? { hostEnv: { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` } } : {}),
    });
  }

  async function backUp(service: LocalBackupService, name: string): Promise<FilesManifest> {
    const { completions } = await service.runJob(name, `event-${name}`, new Date());
    const [completion] = completions;
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'files') throw new Error(JSON.stringify(completions));
    return completion.manifest;
  }

  /** A dir holding `megabytes` of random (incompressible) data. */
  function randomData(megabytes: number): string {
    const dir = mkdtempSync(join(aws.dir, 'data-'));
    writeFileSync(join(dir, 'random.bin'), randomBytes(megabytes * MB));
    return dir;
  }

  it("tells the aws CLI the payload's size, estimated from the data or the job's maxPayloadGiB, and records it", async () => {
    const data = randomData(3);
    const { bin, log } = recording('aws');

    const estimated = await backUp(serviceFor('estimated-size', [data], {}, bin), 'estimated-size');
    const bounded = await backUp(serviceFor('bounded-size', [data], { maxPayloadGiB: 2 }, bin), 'bounded-size');

    const uploads = readFileSync(log, 'utf8').split('\n').filter((line) => /(^| )s3 cp - /.test(line));
    // What the listed paths take on disk (du -sb: the file and its dir), and half again, plus 64 MiB.
    const onDisk = Number(execFileSync('du', ['-sb', data], { encoding: 'utf8' }).split('\t')[0]);
    expect(estimated.payload.expectedSize).toBe(Math.floor(onDisk * 1.5) + 64 * 1024 ** 2);
    expect(estimated.payload.size).toBeLessThanOrEqual(estimated.payload.expectedSize ?? 0);
    expect(uploads.find((line) => line.includes(estimated.payload.key))).toContain(`--expected-size ${estimated.payload.expectedSize}`);
    expect(bounded.payload.expectedSize).toBe(2 * 1024 ** 3);
    expect(uploads.find((line) => line.includes(bounded.payload.key))).toContain(`--expected-size ${2 * 1024 ** 3}`);
  });

  it.each([
    ['idle', { nice: 15, ioClass: 'idle' }, '15 idle'],
    ['best-effort 6', { nice: 10, ioClass: 'best-effort', ioPriority: 6 }, '10 best-effort: prio 6'],
  ])('runs the processes a backup starts at the job\'s niceness and I/O class (%s)', async (_label, resources, expected) => {
    const { bin, log } = recording('zstd', `echo "$(cut -d' ' -f19 /proc/$$/stat) $(ionice -p $$)";`);

    await backUp(serviceFor(`priorities-${resources.nice}`, [randomData(1)], { resources }, bin), `priorities-${resources.nice}`);

    const seen = readFileSync(log, 'utf8').split('\n').filter((line) => /^\d+ /.test(line));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([expected]));
  });

  // 1 MB/s puts the floor near 10 s, well above a whole unlimited run (its host program fetched,
  // its checks, its CLI starts) even on a loaded machine.
  it('keeps the upload under maxUploadMBps: 10 MB at 1 MB/s take 10 s or more, where the same run unlimited does not', async () => {
    const data = randomData(10);
    const timed = async (name: string, resources: Record<string, unknown>) => {
      const started = Date.now();
      const manifest = await backUp(serviceFor(name, [data], { resources }), name);
      return { manifest, seconds: (Date.now() - started) / 1000 };
    };

    const unlimited = await timed('unlimited', {});
    const throttled = await timed('throttled', { maxUploadMBps: 1 });

    // The aws CLI's MB is 1024 * 1024 bytes.
    const floor = throttled.manifest.payload.size / 1024 ** 2;
    expect(throttled.manifest.payload.size).toBeGreaterThan(10 * MB);
    expect(throttled.seconds).toBeGreaterThanOrEqual(floor);
    expect(unlimited.seconds).toBeLessThan(floor);
  });
});
