import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { backendFor } from '../../lib/cli/backend-choice';
import { runCli } from '../../lib/cli/cli-program';
import { auditedSigning, type MotoFixture } from './moto-fixture';

/** The bucket the command line is pointed at: the fixture's, or another one on its moto. */
export type CliBucket = Pick<MotoFixture, 'bucket' | 'kmsKeyId'>;

/**
 * Runs one `cronsnap --local` command line against a config written for it; its functions and
 * hosts sign as themselves, so their calls are judged against the stack's IAM after the file.
 * With `copy`, the line may say `--from-replica`: the copy's calls are judged against the copy's stack.
 */
export async function localCli(aws: MotoFixture, config: CronsnapConfigInput, args: readonly string[], target: CliBucket = aws, copy?: CliBucket) {
  const file = join(aws.dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const audited = { jobs: config.jobs, ...(config.storage ? { storage: config.storage } : {}) };
  const targetSigning = auditedSigning(aws.audit, aws.s3As, { ...aws, ...target, ...audited });
  const copySigning = copy ? auditedSigning(aws.audit, aws.s3As, { ...copy, ...audited, copy: true }) : undefined;
  // The command acts on the bucket it reads: the copy's with --from-replica.
  const signing = copySigning && args.includes('--from-replica') ? copySigning : targetSigning;
  const out: string[] = [];
  const err: string[] = [];
  const buckets = ['--bucket', target.bucket, '--kms-key-id', target.kmsKeyId, ...(copy ? ['--replica-bucket', copy.bucket] : [])];
  const code = await runCli(['--config', file, '--local', ...buckets, '--endpoint-url', aws.moto.endpoint, ...args], {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    backendFor: (options, loaded) => backendFor(options, loaded, { workDir: aws.dir, signing }),
    now: () => new Date(),
    localZone: 'UTC',
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
