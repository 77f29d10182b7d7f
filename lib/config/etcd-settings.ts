import * as z from 'zod';
import { filePathsSchema } from './file-set-settings';
import { absolutePath, commandWords, endpointUrl, token } from './shell-safe';
import { instanceId } from './targets';

/** How the host script reaches etcd; every path is on the host, not in Lambda. */
export const etcdSettingsSchema = z
  .object({
    endpoints: z.array(endpointUrl).min(1).max(9),
    tls: z
      .object({ caFile: absolutePath, certFile: absolutePath, keyFile: absolutePath })
      .strict()
      .optional()
      .describe('client TLS files on the host; omit for plain-HTTP etcd'),
    etcdctl: commandWords
      .default('etcdctl')
      .describe('the etcdctl command: a host binary, or e.g. `crictl exec -i <id> etcdctl` on static-pod masters'),
    dataDir: absolutePath.default('/var/lib/etcd').describe('the member data dir, recorded for restore'),
    memberName: token.optional().describe('the member name (--name); defaults to the name etcd reports'),
    initialClusterToken: token.optional().describe('--initial-cluster-token, recorded for restore'),
    workDir: absolutePath
      .default('/var/tmp')
      .describe('where the snapshot is written before upload; on static-pod masters a dir mounted into the etcd container'),
    snapshotTimeoutSeconds: z.number().int().min(30).max(86400).default(1800),
    members: z
      .array(
        z
          .object({
            name: token.describe('the member name (--name), as `member list` shows it'),
            instanceId,
            dataDir: absolutePath.optional().describe('this member\'s data dir when it differs from etcd.dataDir'),
          })
          .strict(),
      )
      .max(9)
      .optional()
      .describe('which SSM host runs which member: a quorum-loss restore needs it for every member in the backup'),
    quotaBackendBytes: z.number().int().min(1).optional().describe('--quota-backend-bytes the members are started with after a restore'),
    memberConfig: filePathsSchema
      .optional()
      .describe("each member's config and certificates (e.g. /etc/etcd), archived on every member in the same run as the snapshot"),
    mode: z
      .enum(['snapshot', 'cold-copy'])
      .default('snapshot')
      .describe('`cold-copy` stops the member, copies its data dir and starts it again (seed 000, Param-etcd); the snapshot is the default'),
    service: z
      .object({
        stop: commandWords.default('systemctl stop etcd'),
        start: commandWords.default('systemctl start etcd'),
        healthTimeoutSeconds: z.number().int().min(10).max(3600).default(120),
      })
      .strict()
      .default({ stop: 'systemctl stop etcd', start: 'systemctl start etcd', healthTimeoutSeconds: 120 })
      .describe('how cold-copy stops and starts the member, and how long it waits for the cluster to be healthy again'),
  })
  .strict()
  .refine((etcd) => etcd.mode !== 'cold-copy' || etcd.memberName !== undefined, {
    message: 'cold-copy needs memberName: the member the targeted host stops and copies',
    path: ['memberName'],
  });

export type EtcdSettings = z.infer<typeof etcdSettingsSchema>;
