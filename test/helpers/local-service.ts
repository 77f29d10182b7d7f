import { join } from 'node:path';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { parseConfig } from '../../lib/config/load-config';
import { LocalBackupService } from '../../lib/local/local-backup-service';
import type { Moto } from '../../lib/local/moto-server';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalHost } from '../../lib/adapters/local-command-runner';
import { auditedSigning, type IamAudit } from './moto-fixture';
import { configInput } from './config-factory';
import type { BucketRole } from '../../lib/replica/bucket-role';

export interface LocalServiceFixture {
  readonly moto: Moto;
  readonly bucket: string;
  readonly kmsKeyId: string;
  /** The one host the job runs on. */
  readonly host: string;
  /** Scratch dir for locks. */
  readonly dir: string;
  /** Extra environment on the host, e.g. a PATH with stand-in tools. */
  readonly hostEnv?: Readonly<Record<string, string>>;
  /** More hosts besides `host`, each its own LocalHost. */
  readonly moreHosts?: Readonly<Record<string, LocalHost>>;
  /** How `host` runs its shell (see LocalHost.wrapper). */
  readonly wrapper?: readonly string[];
  /** The service's clock, e.g. to know a restore's stamp in advance. */
  readonly now?: () => Date;
  /** Bucket-wide settings of the config, e.g. Object Lock. */
  readonly storage?: CronsnapConfigInput['storage'];
  /** When given, the service's calls are signed per function and host and its job is audited. */
  readonly audit?: IamAudit;
  readonly s3As?: (accessKeyId: string) => S3Client;
  /** How the stand-in agent passes parameters (LocalCommandRunnerOptions.parameterPassing). */
  readonly parameterPassing?: 'env-var' | 'text';
  /** How long one step of a restore or drill workflow may take (LocalBackupServiceOptions.functionBudgetMs). */
  readonly functionBudgetMs?: number;
  /** `replica`: `bucket` is the copy, read as the CronsnapReplica stack's functions read theirs, and audited against that stack. */
  readonly bucketRole?: BucketRole;
}

/** The local backup service for one job, its host script talking to moto. */
export function localServiceFor(job: CronsnapConfigInput['jobs'][number], fixture: LocalServiceFixture): LocalBackupService {
  const { audit, s3As } = fixture;
  const copy = fixture.bucketRole === 'replica';
  const signing = audit && s3As ? auditedSigning(audit, s3As, { ...fixture, jobs: [job], ...(copy ? { copy } : {}) }) : undefined;
  return new LocalBackupService({
    config: parseConfig({ ...configInput([job]), ...(fixture.storage ? { storage: fixture.storage } : {}) }),
    s3: fixture.moto.s3(),
    bucket: fixture.bucket,
    kmsKeyId: fixture.kmsKeyId,
    hosts: { [fixture.host]: { env: { ...fixture.hostEnv }, ...(fixture.wrapper ? { wrapper: fixture.wrapper } : {}) }, ...fixture.moreHosts },
    hostEnv: { ...fixture.moto.env, CRONSNAP_LOCK_DIR: join(fixture.dir, 'locks') },
    restoreWorkDir: fixture.dir,
    ...(fixture.now ? { now: fixture.now } : {}),
    ...(fixture.parameterPassing ? { parameterPassing: fixture.parameterPassing } : {}),
    ...(fixture.functionBudgetMs ? { functionBudgetMs: fixture.functionBudgetMs } : {}),
    ...(fixture.bucketRole ? { bucketRole: fixture.bucketRole } : {}),
    ...signing,
  });
}
