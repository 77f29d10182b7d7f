import { jobGroupOf } from '../../lib/config/job-group';
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
    [1, 4],
    [40, 34],
    [500, 34],
  ])('synthesizes %i jobs of every engine and feature within every limit, in all %i templates of both stacks', (count, stacks) => {
    expect(fleetViolations(count)).toEqual({ violations: [], stacks });
  }, 300_000);

  it("changes, when one job is added, only its own group's stack, its lifecycle rule and the config the functions carry", () => {
    const before = synthStacks(fleetConfig(40)).stack;
    const after = synthStacks(fleetConfig(41)).stack;
    const added = fleetConfig(41).jobs[40]?.name ?? '';
    const byName = (stack: typeof before) => new Map(stackTemplates(stack).map(({ name, template }) => [name, template]));
    const [old, now] = [byName(before), byName(after)];
    const group = `Cronsnap/Jobs/JobGroup${jobGroupOf(added)}`;

    const changedGroups = [...now].filter(([name, template]) => name !== 'Cronsnap' && JSON.stringify(template) !== JSON.stringify(old.get(name))).map(([name]) => name);
    expect(changedGroups).toEqual([group]);
    expect(JSON.stringify(now.get(group))).toContain(added);
    // In the parent: the group's stack (its template's new URL), the bucket (the job's lifecycle
    // rule) and the functions' code, which carries the config.
    const withoutCode = (resource: { Type: string; Properties?: Record<string, unknown> }) => JSON.stringify({ ...resource, Properties: { ...resource.Properties, Code: undefined } });
    const [oldParent, parent] = [old.get('Cronsnap'), now.get('Cronsnap')];
    const changed = Object.entries(parent?.Resources ?? {})
      .filter(([id, resource]) => withoutCode(resource as never) !== withoutCode(oldParent?.Resources[id] as never))
      .map(([id, resource]) => `${String(resource.Type)} ${id}`);
    expect(changed).toEqual([expect.stringMatching(/^AWS::S3::Bucket StorageBucket/), expect.stringMatching(new RegExp(`^AWS::CloudFormation::Stack JobsJobGroup${jobGroupOf(added)}NestedStack`))]);
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
