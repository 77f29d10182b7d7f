import { SHIPPING_PROGRAMS } from '../../lib/engines/log-shipping';
import { startBackup } from '../../lib/backup/start-backup';
import { jobGroupOf } from '../../lib/config/job-group';
import { shipsBinlogs, shipsWal } from '../../lib/config/job-config';
import { parseConfig } from '../../lib/config/load-config';
import { BACKUP_PROGRAMS } from '../../lib/engines';
import { commandBytes } from '../../lib/ssm/command-document';
import { documentName } from '../../lib/ssm/host-program';
import { startBackupDeps } from '../helpers/recording-ports';
import { limitMeasures, limitViolations } from '../helpers/aws-limits';
import { fleetConfig } from '../helpers/fleet-config';
import { stackTemplates } from '../helpers/nested-stacks';
import { synthStacks } from '../helpers/stack-factory';

/** Every limit violation of every template of the app of `count` fleet jobs: both stacks and their job groups. */
function fleetViolations(count: number): { violations: string[]; stacks: number } {
  const { stack, replica } = synthStacks(fleetConfig(count));
  const templates = [...stackTemplates(stack), ...(replica ? stackTemplates(replica.stack) : [])];
  return { violations: templates.flatMap(({ name, template }) => limitViolations(template as never, name)), stacks: templates.length };
}

describe('a fleet in one deployment, against the AWS limits each stack and policy must stay within', () => {
  it('synthesizes one job of each engine and feature within every limit, in both stacks', () => {
    const { template, replica } = synthStacks(fleetConfig(6));

    expect(limitViolations(template.toJSON() as never, 'Cronsnap')).toEqual([]);
    expect(limitViolations(replica?.template.toJSON() as never, 'CronsnapReplica')).toEqual([]);
  });

  it.each([
    [1, 5],
    [40, 35],
    [500, 39],
  ])('synthesizes %i jobs of every engine and feature within every limit, in all %i templates of both stacks', (count, stacks) => {
    expect(fleetViolations(count)).toEqual({ violations: [], stacks });
  }, 300_000);

  it("changes, when one job is added, only its own group's stack, the dashboard that lists it, its lifecycle rule and the config the functions carry", () => {
    const [first, second] = [synthStacks(fleetConfig(40)), synthStacks(fleetConfig(41))];
    const [before, after] = [first.stack, second.stack];
    const added = fleetConfig(41).jobs[40]?.name ?? '';
    const byName = (stack: typeof before) => new Map(stackTemplates(stack).map(({ name, template }) => [name, template]));
    const [old, now] = [byName(before), byName(after)];
    const group = `Cronsnap/Jobs/JobGroup${jobGroupOf(added)}`;

    const changedGroups = [...now].filter(([name, template]) => name !== 'Cronsnap' && JSON.stringify(template) !== JSON.stringify(old.get(name))).map(([name]) => name);
    // The dashboard page lists every job of its page: its body is updated in place, nothing replaced.
    expect(changedGroups).toEqual([group, 'Cronsnap/Dashboards/Page1']);
    const page = now.get('Cronsnap/Dashboards/Page1') as { Resources: Record<string, { Type: string }> };
    expect(Object.values(page.Resources).map((resource) => resource.Type)).toEqual(['AWS::CloudWatch::Dashboard']);
    // The copy's stack: the job's read-only host policy, in its group there, and nothing else of another job.
    const [oldCopy, copy] = [first.replica, second.replica].map((replica) => new Map(stackTemplates(replica?.stack as typeof before).map(({ name, template }) => [name, JSON.stringify(template)])));
    expect([...(copy ?? [])].filter(([name, template]) => name !== 'CronsnapReplica' && template !== oldCopy?.get(name)).map(([name]) => name)).toEqual([`CronsnapReplica/Jobs/JobGroup${jobGroupOf(added)}`]);
    expect(JSON.stringify(now.get(group))).toContain(added);
    // In the parent: the group's stack (its template's new URL), the bucket (the job's lifecycle
    // rule) and the functions' code, which carries the config.
    const withoutCode = (resource: { Type: string; Properties?: Record<string, unknown> }) => JSON.stringify({ ...resource, Properties: { ...resource.Properties, Code: undefined } });
    const [oldParent, parent] = [old.get('Cronsnap'), now.get('Cronsnap')];
    const changed = Object.entries(parent?.Resources ?? {})
      .filter(([id, resource]) => withoutCode(resource as never) !== withoutCode(oldParent?.Resources[id] as never))
      .map(([id, resource]) => `${String(resource.Type)} ${id}`);
    expect(changed).toEqual([
      expect.stringMatching(/^AWS::S3::Bucket StorageBucket/),
      expect.stringMatching(new RegExp(`^AWS::CloudFormation::Stack JobsJobGroup${jobGroupOf(added)}NestedStack`)),
      expect.stringMatching(/^AWS::CloudFormation::Stack DashboardsPage1NestedStack/),
    ]);
  }, 120_000);

  it('keeps every policy that all jobs share the same size whatever the number of jobs', () => {
    const shared = (count: number) =>
      Object.fromEntries(
        limitMeasures(synthStacks(fleetConfig(count)).template.toJSON() as never)
          .filter((measure) => ['SQS queue policy statements', 'Lambda resource policy bytes', 'SNS topic policy statements'].includes(measure.what))
          .map((measure) => [`${measure.what} ${measure.id}`, measure.value]),
      );

    expect(shared(12)).toEqual(shared(1));
  });

  it("keeps every function's role the same size whatever the number of jobs, once every kind of job is there", () => {
    const roles = (count: number) =>
      Object.fromEntries(
        limitMeasures(synthStacks(fleetConfig(count)).template.toJSON() as never)
          .filter((measure) => measure.what === 'IAM role inline policy characters')
          .map((measure) => [measure.id, measure.value]),
      );

    expect(roles(18)).toEqual(roles(6));
  });

  it('sends each kind of fleet job its backup and log shipping commands under 16 KB with their values, at the longest names of 500 jobs', async () => {
    const config = parseConfig(fleetConfig(500));
    const longest = config.jobs.slice(-6);
    const programs = new Map([...BACKUP_PROGRAMS, ...SHIPPING_PROGRAMS].map((program) => [documentName('cronsnap', program), program]));
    const hosts = Array.from({ length: 3 }, (_, i) => `i-0${'f'.repeat(15)}${i}`);
    const sizes: string[] = [];
    for (const job of longest) {
      const kinds = ['backup' as const, ...(shipsBinlogs(job) ? ['binlogs' as const] : []), ...(shipsWal(job) ? ['wal' as const] : [])];
      for (const kind of kinds) {
        // The longest bucket name and a key by its whole ARN: the largest values a deployment sends.
        const deps = { ...startBackupDeps(config, job.targets.instanceIds ? [...job.targets.instanceIds] : hosts, new Date('2026-12-07T03:00:00Z')), bucket: 'b'.repeat(63), kmsKeyId: `arn:aws-us-gov:kms:ap-southeast-3:123456789012:key/${'0'.repeat(36)}` };
        await startBackup({ job: job.name, eventId: `fleet-${kind}`, scheduledTime: '2026-12-07T03:00:00Z', kind, trigger: 'schedule' }, `fleet-${kind}`, deps);
        for (const sent of deps.runner.sent) {
          const program = programs.get(sent.documentName);
          if (!program) throw new Error(`no program for ${sent.documentName}`);
          sizes.push(`${job.name} ${sent.documentName} ${commandBytes(program, sent.parameters) <= 16 * 1024 ? 'under 16 KB' : commandBytes(program, sent.parameters)}`);
        }
      }
    }

    expect(sizes.length).toBeGreaterThanOrEqual(8);
    expect(sizes.filter((size) => !size.endsWith('under 16 KB'))).toEqual([]);
  });

  it("names a dashboard past CloudWatch's limits: 501 widgets, a widget of 501 metrics, 2,501 metrics in all", () => {
    const widget = (metrics: number) => ({ type: 'metric', properties: { metrics: Array.from({ length: metrics }, (_, i) => ['cronsnap', 'BackupSucceeded', 'job', `job-${i}`]) } });
    const dashboard = (widgets: object[]) => ({ Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: { 'Fn::Join': ['', [JSON.stringify({ widgets })]] } } });
    const template = {
      Resources: {
        Wide: dashboard(Array.from({ length: 501 }, () => widget(0))),
        Crowded: dashboard([widget(501)]),
        Full: dashboard(Array.from({ length: 6 }, (_, i) => widget(i === 0 ? 1 : 500))),
      },
    };

    expect(limitViolations(template, 'Planted')).toEqual([
      'Planted: CloudWatch dashboard widgets of Wide is 501, over 500',
      'Planted: CloudWatch dashboard metrics of Full is 2501, over 2500',
      'Planted: CloudWatch dashboard widget metrics of Crowded is 501, over 500',
    ]);
  });

  it('names what passes a limit: a queue policy of 21 statements, a managed policy of 7,000 characters', () => {
    const statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' };
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::QueuePolicy', Properties: { PolicyDocument: { Statement: Array(21).fill(statement) } } },
        Hosts: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ ...statement, Resource: 'x'.repeat(7000) }] } } },
      },
    };

    expect(limitViolations(template, 'Planted')).toEqual([
      'Planted: SQS queue policy statements of Queue is 21, over 20',
      expect.stringMatching(/^Planted: IAM managed policy characters of Hosts is \d+, over 6144$/),
    ]);
  });
});
