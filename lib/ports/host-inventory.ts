import type { HostTargets } from './command-runner';

/** A host as SSM's inventory of managed nodes describes it (DescribeInstanceInformation). */
export interface ManagedHost {
  readonly id: string;
  /** `Online`, `ConnectionLost` or `Inactive`, as SSM says. */
  readonly pingStatus: string;
  readonly lastPingAt?: string;
  readonly agentVersion?: string;
  /** Whether SSM says the agent is its newest release. */
  readonly agentIsLatest?: boolean;
  /** e.g. `Amazon Linux 2023.6.20241212`, `CentOS Linux 7.9.2009`. */
  readonly platform?: string;
  /** Hybrid (mi-) nodes: the IAM role they registered with. */
  readonly iamRole?: string;
}

/** The managed nodes a job's targets name: by instance id or by tags, as SendCommand would reach them. */
export interface HostInventory {
  describe(targets: HostTargets): Promise<ManagedHost[]>;
}
