import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0a0b1e7000000000a';

/**
 * GetCommandInvocation returns only the first 24,000 characters of stdout and 8,000 of stderr,
 * and LocalCommandRunner cuts them there too: what the functions need must not depend on it.
 */
describe("host reports beyond SSM's output limits", () => {
  const aws = useMotoBucket('output-limits');

  function serviceFor(job: string, root: string, hostEnv: Record<string, string> = {}) {
    return localServiceFor(filesJobInput({ name: job, targets: { instanceIds: [HOST] }, files: { paths: [root] }, workDir: aws.dir } as never), { ...aws, host: HOST, hostEnv });
  }

  it('lists every change of a file-set restore whose change list is far longer than 24,000 characters', async () => {
    const root = mkdtempSync(join(aws.dir, 'many-'));
    const names = Array.from({ length: 200 }, (_, i) => `configuration-file-with-a-long-descriptive-name-${String(i).padStart(4, '0')}.conf`);
    for (const name of names) writeFileSync(join(root, name), `${name}\n`);
    const service = serviceFor('many-files', root);
    const { completions } = await service.runJob('many-files', 'event-many', new Date('2026-11-23T01:00:00Z'));
    const [done] = completions;
    if (done?.kind !== 'succeeded' || done.manifest.engine !== 'files') throw new Error(`backup failed: ${JSON.stringify(done)}`);
    for (const name of names) rmSync(join(root, name));

    const plan = await service.restoreFiles(done.manifest, {});

    expect(plan.summary).toMatchObject({ mode: 'dry-run', missing: 200 });
    expect(plan.changes.map((change) => change.path).sort()).toEqual(names.map((name) => join(root, name)).sort());
    const invocation = await service.runner.invocation(plan.commandId, HOST);
    expect(invocation.stdout.length).toBe(24_000);
  });

  it("names the host's own reason when a backup fails after more than 8,000 characters of stderr", async () => {
    const root = mkdtempSync(join(aws.dir, 'noisy-'));
    writeFileSync(join(root, 'a.conf'), 'a\n');
    // A zstd that complains at length and fails, as a broken tool on a host would.
    const bin = join(aws.dir, 'noisy-bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'zstd'), '#!/bin/sh\ni=0\nwhile [ $i -lt 400 ]; do echo "zstd: warning: something about the input stream ($i)" >&2; i=$((i+1)); done\nexit 3\n', { mode: 0o755 });
    const service = serviceFor('noisy-files', root, { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` });

    const { completions } = await service.runJob('noisy-files', 'event-noisy', new Date('2026-11-23T01:00:00Z'));

    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=packages: reading the stream for raw-sha256 failed/) })]);
    const failed = completions[0] as { reason: string };
    expect(failed.reason).not.toMatch(/^SSM status/);
    expect(await listKeys(aws.moto.s3(), aws.bucket, 'noisy-files/')).not.toContainEqual(expect.stringMatching(/manifest\.json$/));
  });
});
