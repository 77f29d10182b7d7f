import type { App, Environment } from 'aws-cdk-lib';
import type { CronsnapConfig } from '../lib/config/cronsnap-config';
import { parseStackName } from '../lib/deployment/stack-name';
import { ConfigError } from '../lib/errors';
import { REPLICA_STACK_SUFFIX, replicationRoleName } from '../lib/replica/replica-target';
import { MAX_ROLE_NAME_LENGTH, STACK_NAME_CONTEXT } from '../lib/deployment/stack-name';
import { CronsnapReplicaStack } from './cronsnap-replica-stack';
import { CronsnapStack } from './cronsnap-stack';

export interface CronsnapStacks {
  readonly main: CronsnapStack;
  /** The copy's side, in `storage.replica.region`, when the config has a replica. */
  readonly replica?: CronsnapReplicaStack;
}

/**
 * Every stack of the app: the main one, named `stackName` (`Cronsnap` by default; checked as
 * parseStackName does), and with `storage.replica` the copy's stack in its region, deployed first
 * so the bucket exists before replication names it, and its key's ARN can be read.
 */
export function addCronsnapStacks(app: App, props: { readonly config: CronsnapConfig; readonly configFile: string; readonly env: Environment; readonly stackName?: string }): CronsnapStacks {
  const stackName = parseStackName(props.stackName);
  const { replica: settings } = props.config.storage;
  if (settings && settings.region === props.env.region) {
    throw new ConfigError(`storage.replica.region: ${settings.region} is the region of the backups; a copy must survive the loss of that region`);
  }
  const roleName = replicationRoleName(stackName, props.env.region ?? '');
  if (settings && props.env.region && roleName.length > MAX_ROLE_NAME_LENGTH) {
    throw new ConfigError(`${STACK_NAME_CONTEXT}: ${stackName} makes the copy's replication role ${roleName} longer than IAM's ${MAX_ROLE_NAME_LENGTH} characters; choose a name of at most ${MAX_ROLE_NAME_LENGTH - (roleName.length - stackName.length)}`);
  }
  if (settings?.account !== undefined && settings.account === props.env.account) {
    throw new ConfigError(`storage.replica.account: ${settings.account} is the account of the backups; leave it out for a copy in this account`);
  }
  const replica = settings
    ? new CronsnapReplicaStack(app, `${stackName}${REPLICA_STACK_SUFFIX}`, {
        config: props.config,
        configFile: props.configFile,
        deploymentName: stackName,
        env: { ...(props.env.account ? { account: props.env.account } : {}), region: settings.region },
        suppressTemplateIndentation: true,
      })
    : undefined;
  // The host scripts in every SSM document bring the main template near CloudFormation's 1 MB
  // limit: 970 KB indented with the example config, 775 KB without the indentation.
  const main = new CronsnapStack(app, stackName, {
    config: props.config,
    configFile: props.configFile,
    deploymentName: stackName,
    env: props.env,
    suppressTemplateIndentation: true,
    ...(replica ? { replicaKey: replica.copyKey } : {}),
  });
  if (!replica) return { main };
  main.addStackDependency(replica);
  return { main, replica };
}
