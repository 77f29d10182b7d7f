import { S3Client } from '@aws-sdk/client-s3';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { DirectoryObjectStore } from '../adapters/directory-object-store';
import { storedBytes } from '../catalog/manifest';
import { buildComplianceReport } from '../compliance/compliance-report';
import type { CronsnapConfig } from '../config/cronsnap-config';
import type { Job } from '../config/job-config';
import { drillAnswer } from '../drill/run-drill';
import { inventoryOfBucket } from '../local/bucket-inventory';
import { writeInventoryDirectory } from '../local/inventory-writer';
import { LocalBackupService, type LocalBackupServiceOptions } from '../local/local-backup-service';
import type { BucketRole } from '../replica/bucket-role';
import type { RestoreEventInput } from '../restore/restore';
import type { KeepEventInput } from '../retention/backup-keeps';
import type { BackupNowOptions, BackupNowResult, CronsnapBackend } from './cronsnap-backend';

export interface LocalBackendOptions {
  readonly config: CronsnapConfig;
  readonly bucket: string;
  readonly kmsKeyId: string;
  /**
   * `replica`: `bucket` is the copy; list and restore say so (`fromReplica`), as the CLI does to the copy's stack.
   * @default 'source'
   */
  readonly bucketRole?: BucketRole;
  /** An S3 stand-in such as moto; the SDK's default endpoint (real S3) when absent. */
  readonly endpointUrl?: string;
  /** Scratch dir for locks and restores. */
  readonly workDir: string;
  /**
   * Per-function S3 clients and host access keys, so a recorder can tell whose call each was.
   * @default - every call signed with the caller's credentials
   */
  readonly signing?: Pick<LocalBackupServiceOptions, 's3As' | 'hostAccessKey' | 'recordCall' | 'expectActing'>;
}

/**
 * The CLI's `--local` mode: the functions' logic in this process, every job's targets being this
 * machine, host scripts run by LocalCommandRunner against the given S3 endpoint and bucket.
 */
/** What a log shipping run shipped, newest last: none when nothing new was written since the last. */
const shippedDetail = (shipped: readonly string[]) => (shipped.length === 0 ? 'nothing new to ship' : `${shipped.length} shipped, to ${shipped.at(-1)}`);

export class LocalBackend implements CronsnapBackend {
  private readonly s3: S3Client;
  private readonly service: LocalBackupService;

  /** Sent with list and restore when the bucket is the copy. */
  private readonly fromReplica: true | undefined;

  constructor(private readonly options: LocalBackendOptions) {
    this.fromReplica = options.bucketRole === 'replica' ? true : undefined;
    this.s3 = new S3Client(options.endpointUrl ? { endpoint: options.endpointUrl, forcePathStyle: true } : {});
    const hosts = Object.fromEntries(options.config.jobs.flatMap((job) => job.targets.instanceIds ?? ['mi-local']).map((id) => [id, {}]));
    this.service = new LocalBackupService({
      config: options.config,
      s3: this.s3,
      bucket: options.bucket,
      kmsKeyId: options.kmsKeyId,
      ...(options.bucketRole ? { bucketRole: options.bucketRole } : {}),
      hosts,
      hostEnv: {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('AWS_')) as [string, string][]),
        ...(options.endpointUrl ? { CRONSNAP_AWS_ENDPOINT_URL: options.endpointUrl } : {}),
        CRONSNAP_LOCK_DIR: join(options.workDir, 'locks'),
      },
      restoreWorkDir: options.workDir,
      ...options.signing,
    });
  }

  async backupNow(job: string, { progress, kind = 'backup' }: BackupNowOptions): Promise<BackupNowResult> {
    progress(`${job}: running on this machine`);
    const { start, completions } = await this.service.runJob(job, `cli-local-${Date.now()}`, undefined, kind, 'on-demand');
    if (start.kind !== 'started') return { job, outcome: start.kind, ...('runId' in start ? { runId: start.runId } : {}), hosts: [] };
    const hosts = completions.map((completion) => {
      if (completion.kind === 'succeeded') {
        const detail = `${storedBytes(completion.manifest)} bytes uploaded in ${completion.durationSeconds.toFixed(1)} s`;
        progress(`${job}: ${completion.host} succeeded, ${detail}`);
        return { host: completion.host, status: 'succeeded' as const, detail };
      }
      const detail = completion.kind === 'failed' ? completion.reason : completion.kind === 'duplicate' ? 'already handled' : shippedDetail(completion.manifest.shipped);
      progress(`${job}: ${completion.host} ${completion.kind}: ${detail}`);
      return { host: completion.host, status: completion.kind === 'failed' ? ('failed' as const) : ('succeeded' as const), detail };
    });
    return { job, runId: start.runId, outcome: hosts.every((host) => host.status === 'succeeded') ? 'succeeded' : 'failed', hosts };
  }

  list(job: string, limit: number) {
    return this.service.listBackups(job, limit, this.fromReplica);
  }

  hosts(job: Job, policyExport: string) {
    return this.service.hosts(job, policyExport);
  }

  async status(jobs?: readonly string[]) {
    return { jobs: await this.service.status(jobs) };
  }

  restore(event: RestoreEventInput, progress: (line: string) => void) {
    return this.service.restore({ ...event, ...(this.fromReplica ? { fromReplica: true } : {}) }, progress);
  }

  async drill(job: string, progress: (line: string) => void) {
    progress(`${job}: drilling the newest backup on this machine`);
    return drillAnswer(await this.service.drill(job, `cli-local-${Date.now()}`, undefined, 'on-demand'));
  }

  keep(event: KeepEventInput) {
    return this.service.keep(event, `cli-local ${userInfo().username}`);
  }

  preflight(job: Job, progress: (line: string) => void) {
    progress(`${job.name}: asking this machine what it has`);
    return this.service.preflight(job);
  }

  async report(outDir: string) {
    // No S3 Inventory is delivered here: list the bucket's versions into one, as S3 would write it.
    const root = mkdtempSync(join(tmpdir(), 'cronsnap-inventory-'));
    try {
      const manifestKey = await writeInventoryDirectory(root, this.options.bucket, inventoryOfBucket(this.s3, this.options.bucket), new Date());
      const { report, keys } = await buildComplianceReport(manifestKey, {
        config: this.options.config,
        reports: new DirectoryObjectStore(root),
        backupBucket: this.options.bucket,
        backups: this.service.inventoryDelivered(),
        now: () => new Date(),
      });
      mkdirSync(outDir, { recursive: true });
      for (const key of keys.filter((candidate) => candidate.startsWith('reports/latest/'))) copyFileSync(join(root, key), join(outDir, key.slice('reports/latest/'.length)));
      return { report, location: join(outDir, 'report.html') };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}
