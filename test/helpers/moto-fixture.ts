import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import type { ObjectLockSettings } from '../../lib/config/storage-settings';
import { motoClientConfig, startMoto, type Moto } from '../../lib/local/moto-server';
import { functionKey, hostKey, startCallRecorder, type CallRecorder, type RecordedCall } from '../../lib/local/aws-call-recorder';
import type { LocalFunction } from '../../lib/local/local-backup-service';
import { auditBucket, unclaimedCalls } from './iam-audit';

type JobInput = CronsnapConfigInput['jobs'][number];

/** What one backup bucket's local services ran: the stack its calls are judged against. */
export interface AuditedBucket {
  /** Jobs by name, as the services were configured. */
  readonly jobs: Map<string, JobInput>;
  readonly kmsKeyId: string;
  storage?: CronsnapConfigInput['storage'];
  /** The bucket stands for the copy: its calls are judged against the CronsnapReplica stack. */
  copy?: boolean;
}

/** What the file's local services ran, by backup bucket, for the IAM audit of their calls after the file. */
export interface IamAudit {
  readonly buckets: Map<string, AuditedBucket>;
  /** The calls made to stand-ins, judged with the recorder's. */
  readonly standIns: RecordedCall[];
  /** By bucket, the principals (access key IDs) the file has act: each must have a judged call. */
  readonly expects: Map<string, string[]>;
}

/** Says the file has these principals act on `bucket`: the audit fails should any of them have no judged call. */
export function expectActing(audit: IamAudit, bucket: string, accessKeyIds: readonly string[]): void {
  audit.expects.set(bucket, [...(audit.expects.get(bucket) ?? []), ...accessKeyIds]);
}

/** How local services sign their calls so the recorder can tell each function and host apart. */
export interface AuditedSigning {
  readonly s3As: (fn: LocalFunction) => S3Client;
  readonly hostAccessKey: (job: string) => string;
  /** Where the services' calls to stand-ins (SSM Run Command, SNS, Step Functions, Lambda) are recorded. */
  readonly recordCall: (call: RecordedCall) => void;
  /** Where the services tell the principals each step has act, each of which must have a judged call. */
  readonly expectActing: (accessKeyId: string) => void;
}

/**
 * Registers `jobs` as run on `bucket`, so their calls are judged against the stack of those jobs
 * after the file, and returns the signing that names each call's principal.
 */
export function auditedSigning(
  audit: IamAudit,
  s3As: (accessKeyId: string) => S3Client,
  use: { bucket: string; kmsKeyId: string; jobs: readonly JobInput[]; storage?: CronsnapConfigInput['storage']; copy?: boolean },
): AuditedSigning {
  const audited: AuditedBucket = audit.buckets.get(use.bucket) ?? { jobs: new Map(), kmsKeyId: use.kmsKeyId };
  for (const job of use.jobs) audited.jobs.set(job.name, job);
  if (use.storage) audited.storage = use.storage;
  if (use.copy) audited.copy = true;
  audit.buckets.set(use.bucket, audited);
  return {
    s3As: (fn) => s3As(functionKey(fn)),
    hostAccessKey: hostKey,
    recordCall: (call) => audit.standIns.push(call),
    expectActing: (accessKeyId) => expectActing(audit, use.bucket, [accessKeyId]),
  };
}

export interface MotoFixture {
  /** moto as seen through a recorder: every call is judged against the stack's IAM after the file. */
  readonly moto: Moto;
  readonly bucket: string;
  readonly kmsKeyId: string;
  /** A temp dir for the suite, removed after it. */
  readonly dir: string;
  readonly audit: IamAudit;
  /** Every request the recorder passed to moto, as it arrived. */
  readonly calls: readonly RecordedCall[];
  /** An S3 client of moto signing as `accessKeyId`, so the recorder can tell whose call it was. */
  s3As(accessKeyId: string): S3Client;
}

/**
 * moto with a KMS-encrypted, versioned backup bucket and a temp dir, for one describe block.
 * Every call reaches moto through a recorder; after the block, the calls the local services made
 * as a function or a host are evaluated against the IAM of the stack synthesized from the same
 * jobs, and any call AWS would deny fails the file.
 */
export function useMotoBucket(bucketName: string, objectLock?: ObjectLockSettings): MotoFixture {
  const fixture = { audit: { buckets: new Map(), standIns: [], expects: new Map() } } as unknown as { -readonly [K in keyof MotoFixture]: MotoFixture[K] };
  let recorder: CallRecorder | undefined;
  let moto: Moto | undefined;
  beforeAll(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), `${bucketName}-`));
    moto = await startMoto();
    recorder = await startCallRecorder(moto.endpoint);
    fixture.calls = recorder.calls;
    const endpoint = recorder.endpoint;
    fixture.s3As = (accessKeyId) => new S3Client(motoClientConfig(endpoint, accessKeyId));
    fixture.moto = { ...moto, endpoint, env: { ...moto.env, CRONSNAP_AWS_ENDPOINT_URL: endpoint }, s3: () => fixture.s3As('testing') };
    Object.assign(fixture, await fixture.moto.createBackupBucket(bucketName, objectLock));
  });
  afterAll(async () => {
    try {
      if (recorder) await judgeRecordedCalls(recorder, fixture.audit);
    } finally {
      await recorder?.stop();
      await moto?.stop();
      // KEEP=1 leaves the dir (etcd logs, data dirs) for a look after a failure.
      if (fixture.dir && !process.env.KEEP) rmSync(fixture.dir, { recursive: true, force: true });
    }
  });
  return fixture;
}

/** Each backup bucket's calls judged against the stack of its own jobs; a denial fails the file. */
async function judgeRecordedCalls(recorder: CallRecorder, audit: IamAudit): Promise<void> {
  const calls = [...recorder.calls, ...audit.standIns];
  const audits = new Map([...audit.buckets].map(([bucket, audited]) => [bucket, { jobs: [...audited.jobs.values()] }]));
  const unclaimed = unclaimedCalls(calls, audits);
  if (unclaimed.length > 0) throw new Error(`${unclaimed.length} calls signed as a principal of the stack belong to no audited bucket, so nothing would judge them:\n${[...new Set(unclaimed)].slice(0, 20).join('\n')}`);
  for (const [bucket, audited] of audit.buckets) {
    console.log(await auditBucket(calls, bucket, { ...audited, jobs: [...audited.jobs.values()], expects: audit.expects.get(bucket) ?? [] }));
  }
}

/** A host agent without CAP_DAC_OVERRIDE: as root on a root-squashed NFS mount, some files stay unreadable. */
export const NO_DAC_OVERRIDE = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', '--'];
