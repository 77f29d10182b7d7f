import type { ReplicaSettings } from '../config/storage-settings';

/** The copy's stack is the main stack's name with this suffix: `Cronsnap` and `CronsnapReplica`. */
export const REPLICA_STACK_SUFFIX = 'Replica';

/** Alias of the key the CronsnapReplica stack creates for a copy in the same account. */
export const REPLICA_KEY_ALIAS = 'alias/cronsnap-replica';

/** Where the copy is: names the source stack can use without a reference into the other region's stack. */
export interface ReplicaTarget {
  readonly region: string;
  readonly account: string;
  readonly bucketName: string;
  /** The key the copies are encrypted with: its ARN, or its alias's ARN for the key the replica stack creates. */
  readonly kmsKeyArn: string;
  /** The copy is another account's bucket, which cronsnap does not create. */
  readonly crossAccount: boolean;
}

/**
 * The copy of a source stack in `sourceAccount` (a CloudFormation token is fine): one in the
 * same account gets deterministic names, so both stacks compute them on their own.
 */
export function replicaTarget(replica: ReplicaSettings, sourceAccount: string, partition = 'aws'): ReplicaTarget {
  const account = replica.account ?? sourceAccount;
  return {
    region: replica.region,
    account,
    bucketName: replica.bucketName ?? `cronsnap-replica-${account}-${replica.region}`,
    kmsKeyArn: replica.kmsKeyArn ?? `arn:${partition}:kms:${replica.region}:${account}:${REPLICA_KEY_ALIAS}`,
    crossAccount: replica.account !== undefined,
  };
}

/** How long an object may stay PENDING before the report calls it late: the time control's 15 minutes, else a day. */
export function replicationWindowSeconds(replica: ReplicaSettings): number {
  return replica.replicationTimeControl ? 15 * 60 : 24 * 3600;
}

/**
 * The replication role's fixed name, so another account's bucket and key policies can name it;
 * with the region, since role names are unique across the whole account.
 */
export function replicationRoleName(stackName: string, sourceRegion: string): string {
  return `${stackName}-replication-${sourceRegion}`;
}
