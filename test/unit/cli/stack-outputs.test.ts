import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { readStackOutputs, replicaStackOutputsSchema, stackOutputsSchema } from '../../../lib/cli/stack-outputs';
import { strictMockClient } from '../../helpers/aws-contracts';

const cloudFormation = strictMockClient(CloudFormationClient);
const OUTPUTS = { BackupBucket: 'backups', ReportsBucket: 'reports', ScheduledBackupFunction: 'fn-scheduled', ListBackupsFunction: 'fn-list', RestoreFunction: 'fn-restore', KeepBackupFunction: 'fn-keep', RestoreDrillFunction: 'fn-drill', DocumentPrefix: 'cronsnap' };

/** A deployed stack with these outputs. */
function deployed(outputs: Record<string, string>): void {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'Cronsnap', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
  });
}

describe('stack outputs', () => {
  beforeEach(() => cloudFormation.reset());

  it("reads where the hosts' command output goes, of the stack and of the copy's", async () => {
    deployed({ ...OUTPUTS, CommandLogGroup: '/cronsnap/Cronsnap/commands' });

    await expect(readStackOutputs(new CloudFormationClient({}), 'Cronsnap', stackOutputsSchema)).resolves.toMatchObject({ CommandLogGroup: '/cronsnap/Cronsnap/commands' });
    await expect(readStackOutputs(new CloudFormationClient({}), 'CronsnapReplica', replicaStackOutputsSchema)).resolves.toMatchObject({ CommandLogGroup: '/cronsnap/Cronsnap/commands' });
  });

  it('reads a stack deployed before it had a command log group', async () => {
    deployed(OUTPUTS);

    await expect(readStackOutputs(new CloudFormationClient({}), 'Cronsnap', stackOutputsSchema)).resolves.not.toHaveProperty('CommandLogGroup');
  });
});
