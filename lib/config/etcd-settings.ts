import * as z from 'zod';
import { filePathsSchema } from './file-set-settings';
import { absolutePath, commandWords, endpointUrl, token } from '../parameters/shell-safe';
import { instanceId } from './targets';

export const CONTAINER_RUNTIMES = ['crictl', 'docker', 'podman', 'oc'] as const;

/**
 * etcd run in a container (a static pod on kubeadm and OpenShift masters): found by name on every
 * run, since its id changes whenever the pod restarts, and reached through the runtime's exec.
 */
const etcdContainerSchema = z
  .object({
    runtime: z.enum(CONTAINER_RUNTIMES).describe('the CLI that reaches the container: crictl (kubeadm, OpenShift 4), docker or podman, or oc (OpenShift 3.11)'),
    name: token.describe("the container's name (`etcd` in kubeadm's and OpenShift's static pods); with docker or podman and no namespace, the container's own name"),
    namespace: token
      .optional()
      .describe("the pod's namespace (kube-system): crictl and oc look the container up in it, docker and podman by the kubelet's io.kubernetes.* labels"),
    pod: token.optional().describe("oc only: the static pod's name before `-<node>` (OpenShift 3.11: master-etcd); the pod on this host's node is used"),
    sharedDir: z
      .object({
        host: absolutePath.describe('the dir as the host sees it, e.g. /var/lib/etcd'),
        container: absolutePath.describe('the same dir inside the container (its volume mount), e.g. /var/lib/etcd'),
      })
      .strict()
      .describe('a dir the pod shares with the host (on OpenShift 3.11 the snapshot must be written under /var/lib/etcd/): etcdctl writes the snapshot there and the host uploads it'),
  })
  .strict()
  .refine((container) => container.runtime !== 'oc' || (container.pod !== undefined && container.namespace !== undefined), {
    message: 'oc needs pod (the static pod\'s name before -<node>, e.g. master-etcd) and namespace (e.g. kube-system)',
    path: ['pod'],
  })
  .refine((container) => container.runtime === 'oc' || container.pod === undefined, { message: 'pod applies only to oc', path: ['pod'] });

export type EtcdContainer = z.infer<typeof etcdContainerSchema>;

const commandService = z
  .object({
    stop: commandWords.default('systemctl stop etcd'),
    start: commandWords.default('systemctl start etcd'),
    healthTimeoutSeconds: z.number().int().min(10).max(3600).default(120),
  })
  .strict();

const staticPodService = z
  .object({
    staticPod: z
      .object({
        manifest: absolutePath.describe('the member\'s static pod manifest: kubeadm /etc/kubernetes/manifests/etcd.yaml, OpenShift 3.11 /etc/origin/node/pods/etcd.yaml'),
      })
      .strict()
      .describe('stop the member by moving its manifest to <manifests dir>-stopped/ and start it by moving it back, waiting for the kubelet each time'),
    healthTimeoutSeconds: z.number().int().min(10).max(3600).default(120),
  })
  .strict();

export type EtcdService = z.infer<typeof commandService> | z.infer<typeof staticPodService>;

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
      .describe('the etcdctl command: a host binary, or with `container` the command inside the container'),
    container: etcdContainerSchema.optional().describe('etcd runs in a container: every etcdctl call runs inside it; TLS paths are the container\'s'),
    dataDir: absolutePath
      .default('/var/lib/etcd')
      .describe("the member data dir, recorded for restore; with a static pod, the dir as etcd sees it, restored where the manifest's hostPath puts it"),
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
      .describe('`cold-copy` stops the member, copies its data dir and starts it again; the snapshot is the default'),
    service: z
      .union([staticPodService, commandService])
      .default({ stop: 'systemctl stop etcd', start: 'systemctl start etcd', healthTimeoutSeconds: 120 })
      .describe('how cold copies and restores stop and start a member (commands, or a static pod\'s manifest), and how long they wait for the cluster to be healthy again'),
  })
  .strict()
  .refine((etcd) => etcd.mode !== 'cold-copy' || etcd.memberName !== undefined, {
    message: 'cold-copy needs memberName: the member the targeted host stops and copies',
    path: ['memberName'],
  })
  .refine((etcd) => etcd.mode !== 'cold-copy' || (!('staticPod' in etcd.service) && etcd.container === undefined), {
    message: 'cold-copy copies a data dir on the host from a member stopped by commands; a member in a container is backed up by snapshot',
    path: ['mode'],
  })
  .refine((etcd) => !('staticPod' in etcd.service) || etcd.quotaBackendBytes === undefined, {
    message: "a static pod's etcd flags are its manifest's: set --quota-backend-bytes there",
    path: ['quotaBackendBytes'],
  })
  .refine((etcd) => !('staticPod' in etcd.service) || etcd.container !== undefined, {
    message: 'a static pod member needs etcd.container: the host finds the kubelet\'s container to know when it stopped and started',
    path: ['service', 'staticPod'],
  });

export type EtcdSettings = z.infer<typeof etcdSettingsSchema>;
