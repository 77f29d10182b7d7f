import { limitMeasures, limitViolations } from '../helpers/aws-limits';
import { fleetConfig } from '../helpers/fleet-config';
import { synthStacks } from '../helpers/stack-factory';

describe('a fleet in one deployment, against the AWS limits each stack and policy must stay within', () => {
  it('synthesizes one job of each engine and feature within every limit, in both stacks', () => {
    const { template, replica } = synthStacks(fleetConfig(6));

    expect(limitViolations(template.toJSON() as never, 'Cronsnap')).toEqual([]);
    expect(limitViolations(replica?.template.toJSON() as never, 'CronsnapReplica')).toEqual([]);
  });

  // Not yet: from 13 jobs the restore, restore-drill and backup-completed roles, which hold a
  // statement per job, pass IAM's 10,240 characters per role; at 40 the main template is 1,038,173
  // bytes (the host programs are in it); at 500, past 500 resources as well.
  it.todo('synthesizes 40 and 500 jobs of every engine and feature within every limit, in every stack');

  it('keeps every policy that all jobs share the same size whatever the number of jobs', () => {
    const shared = (count: number) =>
      Object.fromEntries(
        limitMeasures(synthStacks(fleetConfig(count)).template.toJSON() as never)
          .filter((measure) => ['SQS queue policy statements', 'Lambda resource policy bytes', 'SNS topic policy statements'].includes(measure.what))
          .map((measure) => [`${measure.what} ${measure.id}`, measure.value]),
      );

    expect(shared(12)).toEqual(shared(1));
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
