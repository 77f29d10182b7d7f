import { existsSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ZodError } from 'zod';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { loadConfigFile } from '../config/config-file';
import { findJob } from '../config/load-config';
import { ConfigError, DeployerPolicyError, InvalidEventError, RestoreRefusedError, UnknownJobError } from '../errors';
import { listBackupsEventSchema, type ListedBackup } from '../restore/list-backups';
import { keepEventSchema, type KeepEventInput, type KeepOutcome } from '../retention/backup-keeps';
import { restoreEventSchema, type RestoreEventInput } from '../restore/restore';
import { formatIssues } from '../validation-issues';
import { parseCliOptions } from './cli-options';
import type { BackupNowResult, CronsnapBackend } from './cronsnap-backend';
import { EXIT, type ExitCode } from './exit-codes';
import { planJobs } from './job-plan';
import { statusTable } from './status-view';
import { DEFAULT_STACK_NAME, stackNameSchema } from '../deployment/stack-name';
import { needsALook } from '../status/status-cells';
import { STARTER_ENGINES, starterConfig } from './starter-config';
import { deployerPoliciesFromAssembly, type DeployerPolicies } from './deployer-policy';
import { hostsTable } from './hosts-view';
import { hostPolicyExportName } from '../config/host-policy-export';
import { humanDuration } from '../compliance/compliance-rules';
import { replicationWindowSeconds } from '../replica/replica-target';
import { copyAccountPolicies } from '../replica/copy-account-policies';
import { CRONSNAP_VERSION } from '../cronsnap-version';
import { logShippingsOf } from '../engines/log-shipping';

/** Options every command takes. */
export interface GlobalOptions {
  readonly config: string;
  readonly json: boolean;
  readonly local: boolean;
  readonly stack: string;
  /** The stack's region, when not the SDK's default (AWS_REGION, the profile's). */
  readonly region?: string;
  /** A named profile of the shared AWS config files. */
  readonly profile?: string;
  readonly bucket?: string;
  readonly kmsKeyId?: string;
  readonly endpointUrl?: string;
  readonly workDir?: string;
  /** --local: the copy's bucket, which --from-replica lists and restores from. */
  readonly replicaBucket?: string;
  /** Set by list and restore's --from-replica: the backend is the copy's. */
  readonly fromReplica?: boolean;
}

export interface CliDeps {
  readonly out: (text: string) => void;
  /** Progress and errors; stdout stays clean for `--json`. */
  readonly err: (text: string) => void;
  /** May load the backend lazily: the AWS clients load only for commands that call AWS. */
  readonly backendFor: (options: GlobalOptions, config: CronsnapConfig) => CronsnapBackend | Promise<CronsnapBackend>;
  readonly now: () => Date;
  /** The zone `plan` shows local times in. */
  readonly localZone: string;
}

/** The restore command's options, as commander parses them. */
interface RestoreOptions {
  readonly backup: string;
  readonly dryRun?: boolean;
  readonly confirm?: string;
  readonly targets?: string[];
  readonly restoreRoot?: string;
  readonly databases?: string[];
  readonly targetDatabase?: string;
  readonly server?: string;
  readonly includeGlobals?: boolean;
  readonly toTime?: string;
  readonly dataDir?: string;
  readonly port?: number;
  readonly fromReplica: boolean;
}

/** --limit, checked by the schema list-backups itself applies. */
function backupLimit(value: string): number {
  const parsed = listBackupsEventSchema.shape.limit.safeParse(/^\d+$/.test(value) ? Number(value) : Number.NaN);
  if (!parsed.success) throw new InvalidArgumentError(`--limit: ${value} is not a whole number from 1 to 200`);
  return parsed.data;
}

/** --stack, checked as the deployment checks cronsnap:stackName. */
function stackName(value: string): string {
  const parsed = stackNameSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`--stack: ${value} ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return parsed.data;
}

/** --port, checked by the schema the restore function applies. */
function recoveryPort(value: string): number {
  const parsed = restoreEventSchema.shape.port.safeParse(/^\d+$/.test(value) ? Number(value) : Number.NaN);
  if (!parsed.success || parsed.data === undefined) throw new InvalidArgumentError(`--port: ${value} is not a port from 1024 to 65535`);
  return parsed.data;
}

const FROM_REPLICA = "the copy in storage.replica's region, for the day this region is down (deployed: the CronsnapReplica stack; --local: --replica-bucket)";

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

/** The network failures that mean the stack or a stand-in could not be reached at all. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether `error` is a connection that never happened. The socket's code is on the error, its
 * cause or its parts (AggregateError); where the SDK wraps what it cannot tell is an Error, only
 * the message ("connect ECONNREFUSED ...") is left to say it.
 */
function unreachable(error: unknown): boolean {
  const { code, name, message, cause, errors } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (name === 'TimeoutError') return true;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (typeof message === 'string' && /\b(connect|getaddrinfo) (ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.test(message)) return true;
  return (cause !== undefined && unreachable(cause)) || (Array.isArray(errors) && errors.some(unreachable));
}

/**
 * Which exit code an error means; see exit-codes.ts. Only a call that reached nothing is
 * "unreachable": a refusal (AccessDenied) or a bug is a failure, with its own message.
 */
function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof ConfigError || error instanceof UnknownJobError || error instanceof InvalidEventError || error instanceof ZodError) return EXIT.usage;
  if (error instanceof InvalidArgumentError || error instanceof DeployerPolicyError) return EXIT.usage;
  if (error instanceof Error && (error.message === NO_REGION || error.name === 'CredentialsProviderError')) return EXIT.usage;
  return unreachable(error) ? EXIT.unreachable : EXIT.failed;
}

/** The SDK's word when no region was given anywhere: the CLI says where to give one. */
const NO_REGION = 'Region is missing';

function messageOf(error: unknown): string {
  if (error instanceof ZodError) return formatIssues(error);
  if (error instanceof Error && error.message === NO_REGION) return 'no AWS region: give --region, or set AWS_REGION, or a region in the profile (--profile)';
  if (error instanceof Error && error.name === 'CredentialsProviderError') return `no AWS credentials (${error.message}): give --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or sign in with \`aws sso login\``;
  return error instanceof Error ? error.message : String(error);
}

/** The policies as an operator creates them: each document, and the commands that put them in place. */
function deployerPolicyText(policies: DeployerPolicies): string {
  const all = [policies.deployer, ...policies.execution];
  const documents = all.map((policy) => `# ${policy.name}: ${policy.description}\n${JSON.stringify(policy.document, null, 2)}`);
  const arns = policies.execution.map((policy) => `arn:aws:iam::<account>:policy/${policy.name}`).join(',');
  return [
    ...documents,
    '# Create each (save its document as <name>.json):',
    ...all.map((policy) => `#   aws iam create-policy --policy-name ${policy.name} --policy-document file://${policy.name}.json`),
    '# Attach the deployer policy to whoever runs cdk deploy, and bootstrap with the execution policies:',
    `#   npx cdk bootstrap aws://<account>/<region> --cloudformation-execution-policies ${arns}`,
  ].join('\n');
}

/** The help's closing lines: an example or two, as an operator would type them. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

/** How list shows a backup started by hand and a keep. */
function listedMarks(backup: ListedBackup): string {
  const kept = backup.kept && `kept ${backup.kept.until ? `until ${backup.kept.until}` : 'forever'}${backup.kept.reason ? ` (${backup.kept.reason})` : ''}`;
  return [backup.trigger === 'on-demand' ? 'on demand' : '', kept ?? ''].filter(Boolean).map((mark) => `  [${mark}]`).join('');
}

function keepLine(outcome: KeepOutcome): string {
  const holds = outcome.legalHolds > 0 ? `; legal hold ${outcome.kind === 'kept' ? 'on' : 'off'} for ${outcome.legalHolds} objects` : '';
  if (outcome.kind === 'unkept') return `${outcome.job}: run ${outcome.runId} ${outcome.wasKept ? 'no longer kept: retention decides again' : 'was not kept'}${holds}`;
  return `${outcome.job}: run ${outcome.runId} kept ${outcome.until ? `until ${outcome.until}` : 'forever'}${outcome.reason ? ` (${outcome.reason})` : ''}: retention will not prune it${holds}`;
}

function backupLine(result: BackupNowResult): string {
  const hosts = result.hosts.map((host) => `\n  ${host.host}: ${host.status} (${host.detail})`).join('');
  return `${result.job}: ${result.outcome}${result.runId ? ` run ${result.runId}` : ''}${hosts}`;
}

/**
 * The `cronsnap` command line. Every action returns its exit code instead of exiting, so tests
 * run it in-process; `bin/cronsnap` exits with it.
 */
export function buildProgram(deps: CliDeps, setExit: (code: ExitCode) => void): Command {
  const program = new Command('cronsnap')
    .description('Scheduled, verified backups of etcd, MySQL/MariaDB, PostgreSQL and file sets to S3.')
    .version(CRONSNAP_VERSION, '-V, --version', 'print the version')
    .option('-c, --config <file>', 'the jobs config (YAML or JSON; `cronsnap init` writes one)', process.env.CRONSNAP_CONFIG ?? 'cronsnap.yaml')
    .option('--json', 'print the result as JSON on stdout (progress stays on stderr)', false)
    .option('--stack <name>', 'the deployed stack whose functions are invoked (cdk -c cronsnap:stackName)', stackName, DEFAULT_STACK_NAME)
    .option('--region <region>', "the stack's region (default: AWS_REGION or the profile's)")
    .option('--profile <name>', 'a named profile of the AWS config files (default: AWS_PROFILE)')
    .option('--local', 'run the functions\' logic here, every target being this machine, instead of invoking the stack', false)
    .option('--bucket <name>', '--local: the backup bucket')
    .option('--kms-key-id <arn>', '--local: the KMS key hosts encrypt with')
    .option('--endpoint-url <url>', '--local: an S3 stand-in such as moto_server')
    .option('--work-dir <dir>', '--local: scratch dir for locks and restores')
    .option('--replica-bucket <name>', "--local: the copy's bucket, for --from-replica")
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (text) => deps.out(text.trimEnd()), writeErr: (text) => deps.err(text.trimEnd()) });

  const globals = () => program.opts<GlobalOptions>();
  const emit = (human: string, json: unknown) => deps.out(globals().json ? JSON.stringify(json, null, 2) : human);
  // Read once per command line: a command checks its arguments against the config before it builds a backend from it.
  let loadedConfig: CronsnapConfig | undefined;
  const config = () => {
    const file = globals().config;
    if (!existsSync(file)) throw new ConfigError(`--config: ${file} does not exist; write a starter config with \`cronsnap init --engine etcd > ${file}\`, or name yours with -c`);
    loadedConfig ??= loadConfigFile(file);
    return loadedConfig;
  };
  /** The config and the backend; `job`, when given, is checked against the config before anything is called. */
  const backend = async (job?: string, fromReplica = false) => {
    const loaded = config();
    if (job !== undefined) findJob(loaded, job);
    return { config: loaded, backend: await deps.backendFor({ ...globals(), ...(fromReplica ? { fromReplica } : {}) }, loaded) };
  };
  const action =
    <A extends unknown[]>(body: (...args: A) => Promise<ExitCode> | ExitCode) =>
    async (...args: A) => {
      try {
        setExit(await body(...args));
      } catch (error) {
        deps.err(`cronsnap: ${messageOf(error)}`);
        setExit(exitCodeOf(error));
      }
    };

  program
    .command('init')
    .description('write a commented starter config for the engines asked, valid as written: one job per engine')
    .requiredOption('--engine <engines>', `the engines, comma-separated: ${STARTER_ENGINES.join(', ')}`)
    .option('--tag <key=value>', "the hosts by tag (repeat for more keys; SSM matches them all); default: tag cronsnap:job=<job>", (value: string, previous: string[] = []) => [...previous, value])
    .option('--instance <ids>', 'the hosts by instance id, comma-separated (i-... or mi-...)')
    .option('--out <file>', 'write the config here (never over an existing file) instead of to stdout')
    .addHelpText('after', examples('cronsnap init --engine etcd,mysql --tag cronsnap:cluster=prod > cronsnap.yaml', 'cronsnap init --engine postgres --instance i-0123456789abcdef0 --out cronsnap.yaml'))
    .action(
      action((options: { engine: string; tag?: string[]; instance?: string; out?: string }) => {
        const text = starterConfig({ engine: options.engine, ...(options.tag ? { tag: options.tag } : {}), ...(options.instance ? { instance: options.instance } : {}) });
        if (!options.out) {
          deps.out(text.trimEnd());
          return EXIT.ok;
        }
        try {
          // `wx`: an existing config is somebody's work, never replaced.
          writeFileSync(options.out, text, { flag: 'wx' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          throw new InvalidArgumentError(`--out: ${options.out} exists; nothing was written (remove it or choose another file)`);
        }
        deps.err(`wrote ${options.out}: check it with \`cronsnap validate -c ${options.out}\`, then deploy with \`npx cdk deploy --all -c cronsnap:config=${options.out}\``);
        return EXIT.ok;
      }),
    );

  program
    .command('deployer-policy')
    .description("least-privilege IAM policies for deploying what `cdk synth` wrote: the deployer's (assume the CDK bootstrap roles) and CloudFormation's execution policy")
    .option('--cdk-out <dir>', 'the cloud assembly `npx cdk synth -c cronsnap:config=<file>` wrote', 'cdk.out')
    .option('--qualifier <qualifier>', 'the CDK bootstrap qualifier (default: the one the stacks were synthesized with)')
    .option('--name <prefix>', "the policies' names start with it (default: the stack's name)")
    .addHelpText('after', examples('npx cdk synth -c cronsnap:config=cronsnap.yaml && cronsnap deployer-policy', 'cronsnap deployer-policy --json > policies.json'))
    .action(
      action((options: { cdkOut: string; qualifier?: string; name?: string }) => {
        const policies = deployerPoliciesFromAssembly(options.cdkOut, { ...(options.qualifier ? { qualifier: options.qualifier } : {}), ...(options.name ? { name: options.name } : {}) });
        emit(deployerPolicyText(policies), policies);
        return EXIT.ok;
      }),
    );

  program
    .command('validate')
    .description('check the config; every problem is named by its field path')
    .addHelpText('after', examples('cronsnap validate -c cronsnap.yaml'))
    .action(
      action(() => {
        const loaded = config();
        emit(`${globals().config}: valid, ${loaded.jobs.length} jobs (${loaded.jobs.map((job) => job.name).join(', ')})`, { valid: true, jobs: loaded.jobs.map((job) => job.name) });
        return EXIT.ok;
      }),
    );

  program
    .command('plan')
    .description('each job, its targets and its next 5 runs in UTC and local time')
    .addHelpText('after', examples('cronsnap plan -c cronsnap.yaml'))
    .action(
      action(() => {
        const plans = planJobs(config(), deps.now(), deps.localZone);
        const human = plans
          .map((plan) => {
            const targets = plan.targets.instanceIds ? plan.targets.instanceIds.join(', ') : Object.entries(plan.targets.tags ?? {}).map(([key, values]) => `tag ${key}=${values.join('|')}`).join(', ');
            const runs = plan.nextRuns.map((run) => `\n    ${run.utc}  ${run.local}`).join('');
            return `${plan.job} (${plan.engine}${plan.enabled ? '' : ', disabled'}): ${plan.schedule} -> ${plan.eventBridge} in ${plan.timezone}\n  targets: ${targets}\n  resources: nested stack ${plan.stack}\n  next runs:${runs}`;
          })
          .join('\n');
        emit(human, plans);
        return EXIT.ok;
      }),
    );

  program
    .command('backup-now')
    .description('start a backup now: of one job, or of every enabled job (the backup before a risky change)')
    .argument('[job]', 'the job to back up')
    .option('--all', 'every enabled job', false)
    .option('--wait', 'wait until every host has finished; exit 1 unless every backup succeeded', false)
    .option('--logs', "ship the job's binary logs or WAL now instead of a backup: the point-in-time window reaches this second", false)
    .addHelpText('after', examples('cronsnap backup-now etcd-main --wait', 'cronsnap backup-now shop-mysql --logs --wait', 'cronsnap backup-now --all'))
    .action(
      action(async (job: string | undefined, options: { all: boolean; wait: boolean; logs: boolean }) => {
        if (options.all === (job !== undefined)) throw new InvalidEventError('name one job or give --all');
        const loaded = config();
        const chosen = options.all ? loaded.jobs.filter((candidate) => candidate.enabled) : [findJob(loaded, job ?? '')];
        const work = chosen.map((candidate) => ({ job: candidate.name, kind: options.logs ? logShippingsOf(candidate)[0]?.kind : ('backup' as const) }));
        if (options.logs && !options.all && work[0]?.kind === undefined) throw new InvalidEventError(`--logs: job ${job} ships no logs (set binlogs or wal)`);
        if (options.logs && work.every((item) => item.kind === undefined)) throw new InvalidEventError('--logs: no enabled job ships logs (set binlogs or wal)');
        const { backend: runner } = await backend();
        const results: BackupNowResult[] = [];
        for (const { job: name, kind } of work) if (kind) results.push(await runner.backupNow(name, { wait: options.wait, progress: deps.err, kind }));
        emit(results.map(backupLine).join('\n'), results);
        const good = results.every((result) => result.outcome === 'succeeded' || (!options.wait && result.outcome === 'started'));
        return good ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('list')
    .description('the restorable backups of a job, newest first, and the manifests refused and why')
    .argument('<job>')
    .option('--limit <n>', 'at most this many (1 to 200)', backupLimit, 20)
    .option('--from-replica', FROM_REPLICA, false)
    .addHelpText('after', examples('cronsnap list etcd-main', 'cronsnap list etcd-main --json --limit 5'))
    .action(
      action(async (job: string, options: { limit: number; fromReplica: boolean }) => {
        const listing = await (await backend(job, options.fromReplica)).backend.list(job, options.limit);
        const rows = listing.backups.map((backup) => `${backup.runId}  ${backup.host}  ${backup.finishedAt}  ${backup.bytes} bytes  ${backup.detail}${listedMarks(backup)}`);
        const refused = listing.refused.map((entry) => `refused ${entry.manifestKey}: ${entry.reason}`);
        emit([`${listing.job} (${listing.engine}): ${listing.backups.length} restorable`, ...rows, ...refused].join('\n'), listing);
        return EXIT.ok;
      }),
    );

  program
    .command('status')
    .description('every job at a glance: last run, result, size and duration, age against its RPO, next run, last drill, point-in-time window, copy')
    .argument('[jobs...]', 'only these jobs')
    .addHelpText('after', examples('cronsnap status', 'cronsnap status shop-mysql --json'))
    .action(
      action(async (jobs: string[]) => {
        const loaded = config();
        for (const job of jobs) findJob(loaded, job);
        const { backend: chosen } = await backend();
        const answer = await chosen.status(jobs.length > 0 ? jobs : undefined);
        emit(statusTable(answer.jobs, answer.commandLog), answer);
        // Like a monitoring check: 1 when a job needs a look.
        const healthy = !answer.jobs.some(needsALook);
        return healthy ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('hosts')
    .description("the hosts a job targets as SSM sees them (ping, agent, platform), each one's newest backup, and what is missing")
    .argument('<job>')
    .addHelpText('after', examples('cronsnap hosts prod-etcd', 'cronsnap hosts prod-etcd --json'))
    .action(
      action(async (name: string) => {
        const { config: loaded, backend: chosen } = await backend(name);
        const report = await chosen.hosts(findJob(loaded, name), hostPolicyExportName(globals().stack, name));
        emit(hostsTable(report), report);
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  const changeKeep = async (event: KeepEventInput) => {
    const parsed = parseCliOptions(keepEventSchema, event, { job: '<job>', runId: '<runId>' });
    const outcome = await (await backend(event.job)).backend.keep(parsed);
    emit(keepLine(outcome), outcome);
    return EXIT.ok;
  };

  program
    .command('keep')
    .description('keep a backup beyond its retention policy: until a date, or until unkept')
    .argument('<job>')
    .argument('<runId>', 'the run, as list shows it')
    .addOption(new Option('--until <date>', 'keep through this day (YYYY-MM-DD, UTC) or until this ISO-8601 time').conflicts('forever'))
    .option('--forever', 'keep until unkept')
    .option('--reason <text>', 'why; shown in list and the report')
    .addHelpText('after', examples('cronsnap keep etcd-main 20261130T020000Z-1a2b3c --until 2027-06-30 --reason "audit 2026"', 'cronsnap keep etcd-main 20261130T020000Z-1a2b3c --forever'))
    .action(
      action(async (job: string, runId: string, options: { until?: string; forever?: boolean; reason?: string }) => {
        if (options.until === undefined && !options.forever) throw new InvalidEventError('keep: give --until <date> or --forever');
        const event: KeepEventInput = {
          job,
          runId,
          action: 'keep',
          ...(options.until !== undefined ? { until: options.until } : {}),
          ...(options.forever ? { forever: true } : {}),
          ...(options.reason !== undefined ? { reason: options.reason } : {}),
        };
        return changeKeep(event);
      }),
    );

  program
    .command('unkeep')
    .description('end the keep of a backup: retention decides about it again at the next prune')
    .argument('<job>')
    .argument('<runId>')
    .addHelpText('after', examples('cronsnap unkeep etcd-main 20261130T020000Z-1a2b3c'))
    .action(
      action(async (job: string, runId: string) => changeKeep({ job, runId, action: 'unkeep' })),
    );

  program
    .command('restore')
    .description('restore a backup: a dry run unless --confirm names the job')
    .argument('<job>')
    .option('--backup <id>', 'a run id, or latest', 'latest')
    .addOption(new Option('--dry-run', 'show the plan, change nothing (the default)').conflicts('confirm'))
    .option('--confirm <job>', 'really restore: repeat the job name')
    .option('--targets <hosts>', 'only these hosts (comma-separated); one etcd host: replace that member', list)
    .option('--restore-root <dir>', 'file sets: restore beside the live files, under this dir')
    .option('--databases <names>', 'databases: only these (comma-separated)', list)
    .option('--target-database <name>', 'databases: restore under this new name')
    .option('--server <host:port>', 'databases: restore into this server instead of the dumped one')
    .option('--include-globals', 'PostgreSQL: replay the roles first (existing roles are kept)')
    .option(
      '--to-time <iso>',
      'restore to this second (ISO-8601, e.g. 2026-11-30T14:05:00Z): MySQL with binlogs, the newest dump before it and the shipped binary logs up to it; PostgreSQL physical, the newest base backup and the shipped WAL',
    )
    .option('--data-dir <dir>', 'PostgreSQL physical: recover the cluster into this new data directory (it must not exist)')
    .option('--port <port>', 'PostgreSQL physical: the recovered server\'s port (a free one from 5433 on when omitted)', recoveryPort)
    .option('--from-replica', FROM_REPLICA, false)
    .addHelpText(
      'after',
      examples('cronsnap restore etcd-main', 'cronsnap restore etcd-main --backup 20261130T020000Z-1a2b3c --confirm etcd-main', 'cronsnap restore shop-mysql --to-time 2026-11-30T14:05:00Z --target-database shop_restored --confirm shop-mysql'),
    )
    .action(
      action(async (job: string, options: RestoreOptions) => {
        const event: RestoreEventInput = {
          job,
          backup: options.backup,
          dryRun: options.confirm === undefined,
          ...(options.confirm !== undefined ? { confirm: options.confirm } : {}),
          ...(options.targets ? { targets: options.targets } : {}),
          ...(options.restoreRoot ? { restoreRoot: options.restoreRoot } : {}),
          ...(options.databases ? { databases: options.databases } : {}),
          ...(options.targetDatabase ? { targetDatabase: options.targetDatabase } : {}),
          ...(options.server ? { server: options.server } : {}),
          ...(options.includeGlobals ? { includeGlobals: true } : {}),
          ...(options.toTime ? { toTime: options.toTime } : {}),
          ...(options.dataDir ? { dataDir: options.dataDir } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
        };
        // Checked here as the restore function checks it, so a typo costs no AWS call.
        parseCliOptions(restoreEventSchema, event, { job: '<job>' });
        const { backend: runner, config: loaded } = await backend(job, options.fromReplica);
        const { replica } = loaded.storage;
        if (options.fromReplica && replica) {
          deps.err(`${job}: restoring from the copy in ${replica.region}, which may lag the backups by up to ${humanDuration(replicationWindowSeconds(replica))}`);
        }
        // Say what will be downloaded before the hosts start: the run's stored parts, as list-backups reports them.
        // A restore to a time has its dump picked by the restore function, which names it.
        const listing = options.toTime ? { backups: [] } : await runner.list(job, 200);
        const runId = options.backup === 'latest' ? listing.backups[0]?.runId : options.backup;
        const parts = listing.backups.filter((backup) => backup.runId === runId);
        if (findJob(loaded, job).engine === 'etcd' && options.targets) {
          // A replaced member joins empty and takes the data from the leader: only its config set comes from the run.
          deps.err(`${job}: run ${runId ?? options.backup}: replacing ${options.targets.join(', ')}; no snapshot is downloaded`);
        } else if (parts.length > 0) {
          deps.err(`${job}: run ${runId} from ${parts.map((part) => part.host).join(', ')}: ${parts.reduce((sum, part) => sum + part.bytes, 0)} bytes to download and verify`);
        }
        const outcome = await runner.restore(event, deps.err).catch((error: unknown) => {
          if (!(error instanceof RestoreRefusedError)) throw error;
          deps.err(`cronsnap: ${job}: ${event.dryRun ? 'would be refused' : 'refused'}, nothing was changed: ${error.message}`);
          return undefined;
        });
        if (!outcome) return EXIT.refused;
        emit(`${job}: ${outcome.kind}${event.dryRun ? ' (dry run: nothing changed; repeat with --confirm ' + job + ')' : ''}\n${JSON.stringify(outcome, null, 2)}`, outcome);
        return EXIT.ok;
      }),
    );

  program
    .command('drill')
    .description("restore-drill the job's newest backup now: restored into scratch space, compared with its manifest")
    .argument('<job>')
    .addHelpText('after', examples('cronsnap drill etcd-main'))
    .action(
      action(async (job: string) => {
        const answer = await (await backend(job)).backend.drill(job, deps.err);
        if (answer.kind === 'duplicate') {
          emit(`${job}: drill ${answer.drillId} already ran`, answer);
          return EXIT.ok;
        }
        const checks = answer.checks.map((check) => `${check.passed ? 'ok  ' : 'FAIL'} ${check.name}: expected ${check.expected}, restored ${check.actual}`);
        emit([`${job}: drill ${answer.drillId} ${answer.passed ? 'passed' : `FAILED: ${answer.reason}`} (${answer.result})`, ...checks].join('\n'), answer);
        return answer.passed ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('preflight')
    .description("ask every target host of the job what it has, and judge it against the job's host requirements")
    .argument('<job>')
    .addHelpText('after', examples('cronsnap preflight shop-mysql'))
    .action(
      action(async (name: string) => {
        const { config: loaded, backend: chosen } = await backend(name);
        const result = await chosen.preflight(findJob(loaded, name), deps.err);
        const hosts = result.hosts.map((host) =>
          [
            `${host.host}: ${host.ok ? 'ready' : 'NOT READY'}${host.error ? ` (${host.error})` : ''}`,
            ...host.checks.map((check) => `  ${check.ok ? 'ok  ' : 'FAIL'} ${check.requirement.padEnd(24)} ${check.found}${check.fix ? ` -> ${check.fix}` : ''}`),
          ].join('\n'),
        );
        emit([`${name}: ${result.hosts.length === 0 ? 'no online host' : result.ok ? 'every host ready' : 'some hosts would fail'}`, ...hosts].join('\n'), result);
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('replica-policy')
    .description("the bucket policy and key policy statements another account applies to hold the copy (storage.replica.account)")
    .requiredOption('--source-account <id>', 'the account the backups are in')
    .requiredOption('--source-region <region>', 'the region the backups are in')
    .addHelpText('after', examples('cronsnap replica-policy --source-account 111111111111 --source-region eu-west-1'))
    .action(
      action(async (options: { sourceAccount: string; sourceRegion: string }) => {
        const { replica } = config().storage;
        if (!replica) throw new ConfigError('storage.replica: the config has no copy');
        deps.out(JSON.stringify(copyAccountPolicies({ replica, sourceAccount: options.sourceAccount, sourceRegion: options.sourceRegion, stackName: globals().stack }), null, 2));
        return EXIT.ok;
      }),
    );

  program
    .command('report')
    .description('the compliance report: the latest from the stack, or built now from the local bucket')
    .option('--out <dir>', '--local: where report.html, .json and .csv go', 'cronsnap-report')
    .addHelpText('after', examples('cronsnap report', 'cronsnap report --json'))
    .action(
      action(async (options: { out: string }) => {
        const { report, location } = await (await backend()).backend.report(options.out);
        const rows = report.jobs.map((job) => `${job.ok ? 'OK       ' : 'VIOLATION'} ${job.job}: ${job.checks.filter((check) => !check.ok).map((check) => `${check.rule}: ${check.detail}`).join('; ') || `${job.validBackups} valid backups`}`);
        emit([`${report.ok ? 'compliant' : `${report.violations} violations`} (inventory ${report.inventory.createdAt}); ${location}`, ...rows].join('\n'), report);
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );
  return program;
}

/** Runs one command line and returns its exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(deps, (exit) => {
    code = exit;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return code;
}
