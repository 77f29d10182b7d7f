import { InvalidArgumentError } from 'commander';
import { Document, isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import * as z from 'zod';
import type { CronsnapConfigInput } from '../config/cronsnap-config';
import type { Engine } from '../config/job-config';
import { parseCliOptions } from './cli-options';
import { instanceId, targetsSchema } from '../config/targets';

type JobInput = CronsnapConfigInput['jobs'][number];
type Targets = JobInput['targets'];

/** A job of the starter config, the comments that say what to change (by field path within the job), and what it may add. */
interface StarterJob {
  readonly job: (targets: Targets) => JobInput;
  readonly comments: Readonly<Record<string, string>>;
  /** Settings left out at first, shown commented out below the job. */
  readonly more?: string;
}

const DATABASE_DRILL =
  'To prove each dump restores, drill it weekly (it creates scratch databases on the dumped server, or\n' +
  'on drill.server):\n' +
  '  drill: { schedule: "H 5 * * 0" }';

const PASSWORD_COMMENT =
  'An SSM SecureString only this job\'s hosts may read, at run time; create it first:\n' +
  '  aws ssm put-parameter --type SecureString --name <this name> --value <password>\n' +
  'or from Secrets Manager: passwordSecret: { id: <secret>, jsonKey: password }';

/**
 * One job per engine, set up as a first deployment wants it: `H` spreads the start minutes, the
 * retention keeps about two weeks, a drill runs where it costs little (etcd restores a snapshot
 * into a throwaway member on loopback), and what needs more thought (point-in-time logs, drills
 * on a live database server) is shown commented out.
 */
const STARTER_JOBS: { readonly [E in Engine]: StarterJob } = {
  etcd: {
    job: (targets) => ({
      name: 'etcd',
      engine: 'etcd',
      schedule: 'H/30 * * * *',
      targets,
      etcd: {
        endpoints: ['https://127.0.0.1:2379'],
        tls: { caFile: '/etc/etcd/pki/ca.crt', certFile: '/etc/etcd/pki/client.crt', keyFile: '/etc/etcd/pki/client.key' },
        dataDir: '/var/lib/etcd',
      },
      retention: { keepLast: 48, keepDaily: 14 },
      drill: { schedule: 'H 5 * * 0' },
    }),
    comments: {
      schedule: 'Crontab in UTC (add timezone: Europe/Berlin for local time); H picks a minute from the job name.',
      etcd: 'Change first: how the hosts reach etcd. Leave tls out for plain-HTTP etcd; kubeadm masters run\netcd in a static pod (see container and service in docs/config-reference.md).',
      retention: 'A day of half-hourly snapshots, then one a day for two weeks.',
      drill: "Weekly restore of the newest snapshot into a throwaway member on the backup's host, which needs the etcd binary.",
    },
  },
  mysql: {
    job: (targets) => ({
      name: 'mysql',
      engine: 'mysql',
      schedule: 'H 1 * * *',
      targets,
      mysql: { hosts: ['127.0.0.1:3306'], user: 'backup', passwordParameter: '/cronsnap/mysql/password' },
      retention: { keepLast: 14 },
    }),
    comments: {
      schedule: 'Nightly in UTC; H picks a minute from the job name.',
      mysql: "Change first: the servers (the writable primary among them is dumped) and the backup user.\nBehind MaxScale, add maxscale: true to dump the master it reports.",
      'mysql.passwordParameter': PASSWORD_COMMENT,
      retention: 'Two weeks of nightly dumps.',
    },
    more: `To restore to a point in time, also ship the binary logs:\n  binlogs: { schedule: "*/15 * * * *" }\n${DATABASE_DRILL}`,
  },
  postgres: {
    job: (targets) => ({
      name: 'postgres',
      engine: 'postgres',
      schedule: 'H 2 * * *',
      targets,
      postgres: { server: '127.0.0.1:5432', user: 'backup', passwordParameter: '/cronsnap/postgres/password' },
      retention: { keepLast: 14 },
    }),
    comments: {
      schedule: 'Nightly in UTC; H picks a minute from the job name.',
      postgres: 'Change first: the server and the backup user. Every database is dumped on its own (pg_dump -Fc) beside\nthe roles; mode: physical takes a base backup for restores to a point in time (it needs wal).',
      'postgres.passwordParameter': PASSWORD_COMMENT,
      retention: 'Two weeks of nightly dumps.',
    },
    more: DATABASE_DRILL,
  },
  files: {
    job: (targets) => ({
      name: 'files',
      engine: 'files',
      schedule: 'H 3 * * *',
      targets,
      files: { paths: ['/etc'] },
      retention: { keepLast: 14 },
    }),
    comments: {
      schedule: 'Daily in UTC; H picks a minute from the job name.',
      files: 'Change first: what every targeted host archives (owners, modes, ACLs and SELinux labels kept), with its\npackage list. { path: /etc/app, required: true } fails the run when that path is missing.',
      retention: 'Two weeks of daily archives.',
    },
  },
};

export const STARTER_ENGINES = Object.keys(STARTER_JOBS) as Engine[];

/** `a,b` and repeated options alike, as a list of trimmed, non-empty values. */
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== ''));

const TAG = /^([^=]+)=(.*)$/;

/**
 * What `cronsnap init` is asked: the engines, one job each, and the hosts every job targets, by
 * tag or by instance id. Without either, each job targets the hosts tagged `cronsnap:job=<job>`.
 */
export const starterOptionsSchema = z
  .object({
    engine: commaList
      .pipe(z.array(z.enum(STARTER_ENGINES, { error: (issue) => `unknown engine '${String(issue.input)}' (choose from ${STARTER_ENGINES.join(', ')})` })).min(1, 'name at least one engine'))
      .transform((engines) => [...new Set(engines)]),
    tag: commaList.pipe(z.array(z.string().regex(TAG, 'must be key=value, e.g. cronsnap:role=etcd'))).optional(),
    instance: commaList.pipe(z.array(instanceId)).optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.tag?.length && options.instance?.length) {
      ctx.addIssue({ code: 'custom', path: ['instance'], message: 'give the hosts by --tag or by --instance, not both' });
    }
  });

export type StarterOptionsInput = z.input<typeof starterOptionsSchema>;
export type StarterOptions = z.output<typeof starterOptionsSchema>;

/** `key=value` options as a targets block: values of one key are alternatives, keys must all match. */
function tagTargets(tags: readonly string[]): Record<string, string[]> {
  const byKey: Record<string, string[]> = {};
  for (const tag of tags) {
    const [, key = '', value = ''] = TAG.exec(tag) ?? [];
    byKey[key] = [...(byKey[key] ?? []), value];
  }
  return byKey;
}

/** The targets every job gets, checked by the config's own schema so a bad tag is refused here. */
function targetsFor(options: StarterOptions, engine: Engine): Targets {
  if (options.instance?.length) return { instanceIds: [...new Set(options.instance)] };
  // Each job's name is its engine's.
  const targets = { tags: options.tag?.length ? tagTargets(options.tag) : { 'cronsnap:job': [engine] } };
  const checked = targetsSchema.safeParse(targets);
  if (!checked.success) throw new InvalidArgumentError(`--tag: ${checked.error.issues.map((issue) => issue.message).join('; ')}`);
  return targets;
}

/** Puts `comment` above the field at `path` (dotted, within `map`). */
function commentField(map: YAMLMap, path: string, comment: string): void {
  const [head = '', ...rest] = path.split('.');
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === head);
  if (!pair || !isScalar(pair.key)) throw new Error(`starter config has no field ${path}`);
  if (rest.length === 0) {
    pair.key.commentBefore = prefixed(comment);
    return;
  }
  if (!isMap(pair.value)) throw new Error(`starter config field ${head} is not a map`);
  commentField(pair.value, rest.join('.'), comment);
}

/** Comment text as yaml writes it after `#`: one space, so the file reads `# text`. */
function prefixed(comment: string): string {
  return comment
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
}

/** Lists of plain values on one line, as people write them (`endpoints: [https://...]`). */
function flowShortCollections(node: Node | null): void {
  if (isSeq(node)) {
    if (node.items.every(isScalar)) node.flow = true;
    node.items.forEach((item) => flowShortCollections(item as Node));
  } else if (isMap(node)) {
    node.items.forEach((pair) => flowShortCollections(pair.value as Node));
  }
}

const HEADER = [
  'cronsnap config, written by `cronsnap init`.',
  'Change first: each job\'s hosts (targets) and how its host reaches the data (the engine block), and',
  'create the password parameters it names. Then check and deploy:',
  '  cronsnap validate -c <this file>',
  '  npx cdk deploy -c cronsnap:config=<this file>    (a second deployment: -c cronsnap:stackName=Staging)',
  'Every field: docs/config-reference.md. Schedules are UTC unless a job sets timezone.',
].join('\n');

const NOTIFICATIONS_COMMENT = [
  'Who hears of failed backups, missed recovery points and failed drills. Each address gets an email from',
  'AWS after the deploy and receives nothing until it confirms the subscription.',
  '  emails: [oncall@your-company.example]',
].join('\n');

const STORAGE_COMMENT = [
  'Write-once backups can only be turned on when the bucket is created: decide before the first deploy',
  '(governance: only principals with s3:BypassGovernanceRetention delete early). A replica is a copy in',
  'another region, restorable while this one is down.',
  '  storage:',
  '    objectLock: { mode: governance, days: 14 }',
  '    replica: { region: eu-west-1 }',
].join('\n');

const TARGETS_COMMENT: Record<'tags' | 'instanceIds', string> = {
  tags: 'Every SSM-managed instance with all these tags (values of one key are alternatives). Hosts need the SSM\nagent registered and this job\'s host policy (exported as <stack>-host-<job>) on their instance role.',
  instanceIds: 'These instances (EC2 i-... or SSM managed mi-...). Hosts need the SSM agent registered and this job\'s\nhost policy (exported as <stack>-host-<job>) on their instance role.',
};

/**
 * A commented starter config for the engines asked, valid as written: `loadConfigFile` accepts it
 * and `cdk synth` builds it. Comments say what to change first; options the first deployment
 * decides on (Object Lock, a replica, email) are shown commented out.
 *
 * @example
 * writeFileSync('cronsnap.yaml', starterConfig({ engine: 'etcd,mysql', tag: ['cronsnap:role=db'] }));
 */
export function starterConfig(input: StarterOptionsInput): string {
  const options = parseCliOptions(starterOptionsSchema, input);
  const config: CronsnapConfigInput = {
    version: 1,
    notifications: { emails: [] },
    jobs: options.engine.map((engine) => STARTER_JOBS[engine].job(targetsFor(options, engine))),
  };
  const doc = new Document(config);
  doc.commentBefore = prefixed(HEADER);
  const root = doc.contents as YAMLMap;
  flowShortCollections(root);
  commentField(root, 'notifications', NOTIFICATIONS_COMMENT);
  commentField(root, 'jobs', STORAGE_COMMENT);
  const jobs = doc.get('jobs', true);
  if (!isSeq(jobs)) throw new Error('starter config has no job list');
  options.engine.forEach((engine, index) => {
    const job = jobs.items[index];
    if (!isMap(job)) throw new Error(`starter job ${engine} is not a map`);
    const starter = STARTER_JOBS[engine];
    for (const [path, comment] of Object.entries(starter.comments)) commentField(job, path, comment);
    if (starter.more) job.comment = prefixed(starter.more);
    commentField(job, 'targets', options.instance?.length ? TARGETS_COMMENT.instanceIds : TARGETS_COMMENT.tags);
  });
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}
