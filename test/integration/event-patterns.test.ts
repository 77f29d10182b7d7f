import { configInput, etcdJobInput, mysqlJobInput, postgresJobInput } from '../helpers/config-factory';
import { loadEvent } from '../helpers/events';
import { matchEvents, patternProblems } from '../helpers/event-pattern-matcher';
import { synthStack } from '../helpers/stack-factory';

/**
 * Every event rule of the synthesized stack, judged by EventBridge's matching rules (moto's
 * matcher, not a reading of the JSON) against events shaped as AWS documents them. Beside etcd, a
 * MySQL job shipping its binary logs and a physical PostgreSQL job shipping its WAL: their
 * shippings finish on hosts as documents of their own, which the completion rule must deliver too.
 */
const postgresDefaults = (postgresJobInput() as { postgres: Record<string, unknown> }).postgres;
const { template } = synthStack(
  configInput([
    etcdJobInput({ name: 'prod-etcd', targets: { tags: { role: ['etcd'] } } }),
    mysqlJobInput({ name: 'shop-mysql', binlogs: { schedule: '*/15 * * * *' } } as never),
    postgresJobInput({ name: 'ledger-pg', postgres: { ...postgresDefaults, mode: 'physical' }, wal: { schedule: '*/5 * * * *', slot: 'cronsnap' } } as never),
  ]),
);

interface Rule {
  readonly description: string;
  readonly pattern: unknown;
}

const rules: Rule[] = Object.values(template.findResources('AWS::Events::Rule'))
  .filter((resource) => resource.Properties.EventPattern)
  .map((resource) => ({ description: String(resource.Properties.Description), pattern: resource.Properties.EventPattern }));

/** The pattern as deployed: the one reference in them, the reports bucket, resolved to its name. */
function resolved(pattern: unknown): unknown {
  return JSON.parse(JSON.stringify(pattern, (_key, value: unknown) => (value && typeof value === 'object' && 'Ref' in value ? 'cronsnap-reports-test' : value)));
}

function ruleNamed(start: string): Rule {
  const rule = rules.find((candidate) => candidate.description.startsWith(start));
  if (!rule) throw new Error(`no rule described '${start}...' in ${rules.map((candidate) => candidate.description).join(', ')}`);
  return rule;
}

/** An SSM "EC2 Command Invocation Status-change Notification" (EventBridge reference, SSM events). */
function commandStatusEvent(documentName: string, status: string) {
  const event = loadEvent('ssm-invocation-status-change');
  return { ...event, detail: { ...event.detail, 'document-name': documentName, status } };
}

/** An S3 "Object Created" event of the reports bucket (S3 user guide, EventBridge event message structure). */
function objectCreatedEvent(bucket: string, key: string) {
  const event = loadEvent('inventory-manifest-created');
  return { ...event, detail: { ...event.detail, bucket: { name: bucket }, object: { ...event.detail.object, key } } };
}

const COMPLETED = 'cronsnap: a backup document finished on a host';
/** How an SSM command invocation can end (the statuses after which it changes no more). */
const ENDED = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'DeliveryTimedOut', 'ExecutionTimedOut', 'Undeliverable', 'Terminated'];
/** The documents the MySQL and PostgreSQL jobs above send: their dumps and their log shippings. */
const DATABASE_DOCUMENTS = ['cronsnap-mysql-backup', 'cronsnap-mysql-binlogs', 'cronsnap-postgres-backup', 'cronsnap-postgres-wal'];
const INVENTORY = 'cronsnap: an S3 Inventory of the backup bucket was delivered';
const MANIFEST = 'inventory/cronsnap-backups-test/cronsnap-daily/2026-11-24T01-00Z/manifest.json';

/** [label, rule, event, whether EventBridge must deliver it]. */
const CASES: [string, string, object, boolean][] = [
  ...ENDED.map((status): [string, string, object, boolean] => [`a backup document that ended ${status}`, COMPLETED, commandStatusEvent('cronsnap-etcd-backup', status), true]),
  ...DATABASE_DOCUMENTS.flatMap((document) =>
    ENDED.map((status): [string, string, object, boolean] => [`a ${document} that ended ${status}`, COMPLETED, commandStatusEvent(document, status), true]),
  ),
  ['a binary log shipping still in progress', COMPLETED, commandStatusEvent('cronsnap-mysql-binlogs', 'InProgress'), false],
  ['a WAL shipping pending', COMPLETED, commandStatusEvent('cronsnap-postgres-wal', 'Pending'), false],
  ['a WAL shipping delayed', COMPLETED, commandStatusEvent('cronsnap-postgres-wal', 'Delayed'), false],
  ['a MySQL restore that finished', COMPLETED, commandStatusEvent('cronsnap-mysql-restore', 'Success'), false],
  ['a PostgreSQL recovery replaying the WAL that finished', COMPLETED, commandStatusEvent('cronsnap-postgres-recovery', 'Success'), false],
  ['a MySQL drill that failed', COMPLETED, commandStatusEvent('cronsnap-mysql-drill', 'Failed'), false],
  ['a PostgreSQL drill that failed', COMPLETED, commandStatusEvent('cronsnap-postgres-drill', 'Failed'), false],
  ['a preflight that finished', COMPLETED, commandStatusEvent('cronsnap-preflight', 'Success'), false],
  // Same program, another document prefix: another cronsnap stack's shipping, not this one's.
  ["another stack's binary log shipping", COMPLETED, commandStatusEvent('staging-mysql-binlogs', 'Success'), false],
  ["another stack's WAL shipping", COMPLETED, commandStatusEvent('staging-postgres-wal', 'Failed'), false],
  ['a backup still in progress', COMPLETED, commandStatusEvent('cronsnap-etcd-backup', 'InProgress'), false],
  ['a backup pending', COMPLETED, commandStatusEvent('cronsnap-etcd-backup', 'Pending'), false],
  ['a backup delayed', COMPLETED, commandStatusEvent('cronsnap-etcd-backup', 'Delayed'), false],
  ['a restore that finished', COMPLETED, commandStatusEvent('cronsnap-etcd-restore', 'Success'), false],
  ['a drill that failed', COMPLETED, commandStatusEvent('cronsnap-etcd-drill', 'Failed'), false],
  ["someone else's document", COMPLETED, commandStatusEvent('AWS-RunShellScript', 'Success'), false],
  ['an inventory manifest.json', INVENTORY, objectCreatedEvent('cronsnap-reports-test', MANIFEST), true],
  ['an inventory data file', INVENTORY, objectCreatedEvent('cronsnap-reports-test', 'inventory/cronsnap-backups-test/cronsnap-daily/data/3b2b9c1e-6a4f-4b8e-9d1a-2f0c8e7b5a10.csv.gz'), false],
  ['the manifest checksum', INVENTORY, objectCreatedEvent('cronsnap-reports-test', MANIFEST.replace('manifest.json', 'manifest.checksum')), false],
  ['a Hive symlink file', INVENTORY, objectCreatedEvent('cronsnap-reports-test', 'inventory/cronsnap-backups-test/cronsnap-daily/hive/dt=2026-11-24-01-00/symlink.txt'), false],
  ['a manifest.json outside the inventory prefix', INVENTORY, objectCreatedEvent('cronsnap-reports-test', 'reports/2026-11-24/manifest.json'), false],
  ['a manifest.json of another bucket', INVENTORY, objectCreatedEvent('someone-elses-bucket', MANIFEST), false],
];

describe('event rules under EventBridge matching', () => {
  // One matcher run for every case: each start of the matcher costs a second.
  let delivered: boolean[] = [];
  beforeAll(() => {
    delivered = matchEvents(CASES.map(([, rule, event]) => ({ pattern: resolved(ruleNamed(rule).pattern), event })));
  });

  it('are all patterns EventBridge accepts', () => {
    expect(rules.flatMap((rule) => patternProblems(resolved(rule.pattern)))).toEqual([]);
  });

  it('hold a matcher that refuses an operator object EventBridge refuses, and that can say no', () => {
    expect(patternProblems({ key: [{ prefix: 'a/', suffix: '.json' }] })).toEqual([
      'key[0]: an operator object holds exactly one of prefix, suffix, anything-but, numeric, exists, equals-ignore-case, cidr, wildcard, not {prefix, suffix}',
    ]);
    expect(matchEvents([{ pattern: { source: ['aws.s3'] }, event: { source: 'aws.ssm' } }])).toEqual([false]);
  });

  it('finds the two rules with patterns in the template', () => {
    expect(rules.map((rule) => rule.description).sort()).toEqual([COMPLETED, INVENTORY]);
  });

  // The shipping completions below are ones this stack causes: it schedules both shippings.
  it('schedules the binary log shipping and the WAL shipping of the synthesized jobs', () => {
    const scheduled = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((resource) => String(resource.Properties.Description));
    expect(scheduled).toEqual(expect.arrayContaining(['cronsnap binary log shipping of shop-mysql (*/15 * * * *)', 'cronsnap WAL shipping of ledger-pg (*/5 * * * *)']));
  });

  it.each(CASES.map(([label, rule, , expected], index) => [expected ? 'delivers' : 'does not deliver', label, rule, expected, index] as const))(
    '%s %s to the rule "%s"',
    (_verb, _label, _rule, expected, index) => {
      expect(delivered[index]).toBe(expected);
    },
  );
});
