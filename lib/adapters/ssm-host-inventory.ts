import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { nodeFilters } from './ssm-node-filters';
import type { Targets } from '../config/targets';
import type { HostInventory, ManagedHost } from '../ports/host-inventory';

/** SSM's inventory of managed nodes, asked with the caller's credentials (ssm:DescribeInstanceInformation). */
export class SsmHostInventory implements HostInventory {
  constructor(private readonly client: SSMClient) {}

  async describe(targets: Targets): Promise<ManagedHost[]> {
    const filters = nodeFilters(targets);
    const hosts: ManagedHost[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(new DescribeInstanceInformationCommand({ Filters: filters, MaxResults: 50, ...(NextToken ? { NextToken } : {}) }));
      for (const node of page.InstanceInformationList ?? []) {
        if (!node.InstanceId) continue;
        const platform = [node.PlatformName, node.PlatformVersion].filter(Boolean).join(' ');
        hosts.push({
          id: node.InstanceId,
          pingStatus: node.PingStatus ?? 'unknown',
          ...(node.LastPingDateTime ? { lastPingAt: node.LastPingDateTime.toISOString() } : {}),
          ...(node.AgentVersion ? { agentVersion: node.AgentVersion } : {}),
          ...(node.IsLatestVersion !== undefined ? { agentIsLatest: node.IsLatestVersion } : {}),
          ...(platform ? { platform } : {}),
          ...(node.IamRole ? { iamRole: node.IamRole } : {}),
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return hosts;
  }
}
