/**
 * The names a deployment gives what it creates under names of its own, all derived from its stack
 * name, so two deployments in one account and region (staging and production) share none of them.
 * The lower-case stack name prefixes what must be lower case or was lower case before deployments
 * had names: the default stack `Cronsnap` keeps its `cronsnap-<program>` documents, its `cronsnap`
 * metrics and its `alias/cronsnap-replica`. Two stack names that differ only in case therefore
 * collide (their documents fail to deploy).
 */
export interface DeploymentNames {
  /** Prefix of the SSM document names, `<prefix>-<program>`: `cronsnap-etcd-backup`. */
  readonly documentPrefix: string;
  /** CloudWatch namespace of the functions' metrics, which the alarms and the dashboard read. */
  readonly metricsNamespace: string;
  /** Log group of the hosts' command output, in each region the deployment has a stack in. */
  readonly commandLogGroup: string;
  /** Alias of the key the copy's stack creates in the copy's account and region. */
  readonly replicaKeyAlias: string;
  /** Start of the copy bucket's default name, `<prefix>-replica-<account>-<region>`. */
  readonly replicaBucketPrefix: string;
}

/** The names of the deployment whose (main) stack is `stackName`, already checked by parseStackName. */
export function deploymentNames(stackName: string): DeploymentNames {
  const prefix = stackName.toLowerCase();
  return {
    documentPrefix: prefix,
    metricsNamespace: prefix,
    commandLogGroup: `/cronsnap/${stackName}/commands`,
    replicaKeyAlias: `alias/${prefix}-replica`,
    replicaBucketPrefix: `${prefix}-replica`,
  };
}

/**
 * The name of page `page` (from 1) of the deployment's job dashboards. Dashboards are global to
 * the account, not regional: the region is in the name, so the same stack name in two regions
 * gets two dashboards. `region` may be a CloudFormation token.
 */
export function dashboardName(stackName: string, region: string, page: number): string {
  return page === 1 ? `${stackName}-${region}` : `${stackName}-${region}-${page}`;
}
