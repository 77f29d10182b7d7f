import * as z from 'zod';
import type { EtcdJob } from '../config/job-config';
import { etcdContainerValues, etcdServiceValues, serviceActions } from '../engines/etcd-member-access';
import { RestoreError } from '../errors';
import type { RestorableBackup } from '../catalog/backup-catalog';
import { REVISION_MARGIN } from './revision-bump';

const memberPlanSchema = z.object({
  host: z.string(),
  name: z.string(),
  peerUrls: z.string(),
  clientUrls: z.string(),
  dataDir: z.string(),
  /** This member's config set from the same run, restored before its data when present. */
  configManifestKey: z.string().optional(),
});

/**
 * Everything a quorum-loss restore does, decided before anything is touched: it is the dry run's
 * answer and the Step Functions execution's input, so each step runs from it alone.
 */
export const etcdRestorePlanSchema = z.object({
  /** quorum-restore: every member from the snapshot; member-replace: one lost member rejoins the running cluster (seed 001). */
  kind: z.enum(['etcd-quorum-restore', 'etcd-member-replace']),
  /** member-replace: the host whose member is replaced. */
  target: z.string().optional(),
  job: z.string(),
  runId: z.string(),
  manifestKey: z.string(),
  stamp: z.string().regex(/^\d{8}T\d{6}Z$/),
  payload: z.object({ key: z.string(), sha256: z.string(), mode: z.enum(['snapshot', 'cold-copy']), revision: z.number() }),
  initialCluster: z.string(),
  clusterToken: z.string(),
  endpoints: z.string(),
  members: z.array(memberPlanSchema).min(1),
  host: z.object({
    etcdctl: z.string(),
    caFile: z.string(),
    certFile: z.string(),
    keyFile: z.string(),
    /** Where etcdctl runs and how a member stops and starts: the programs' container and service parameters. */
    access: z.record(z.string(), z.string()),
    quotaBackendBytes: z.string(),
    workDir: z.string(),
  }),
  moves: z.array(z.object({ host: z.string(), from: z.string(), to: z.string() })),
  steps: z.array(z.string()),
  notes: z.array(z.string()),
});

export type EtcdRestorePlan = z.infer<typeof etcdRestorePlanSchema>;
export type EtcdMemberPlan = z.infer<typeof memberPlanSchema>;

/**
 * The plan for restoring every member of `job`'s cluster from one snapshot (seeds 001, 003, 004):
 * member names and peer URLs from the backup's member list, hosts and data dirs from the config;
 * nothing is guessed, and a missing fact is an error naming the config field.
 */
export function planEtcdQuorumRestore(job: EtcdJob, backup: RestorableBackup, stamp: string): EtcdRestorePlan {
  const { manifest } = backup;
  if (manifest.engine !== 'etcd') throw new RestoreError(`${backup.manifestKey} is a ${manifest.engine} backup, not etcd`);
  const { etcd } = job;
  const clusterToken = manifest.etcd.clusterToken || etcd.initialClusterToken;
  if (!clusterToken) {
    throw new RestoreError(`job ${job.name}: the backup records no cluster token; set etcd.initialClusterToken to the cluster's --initial-cluster-token`);
  }
  const members = manifest.etcd.members.map((member): EtcdMemberPlan => {
    const placed = etcd.members?.find((candidate) => candidate.name === member.name);
    if (!placed) {
      throw new RestoreError(
        `job ${job.name}: etcd.members names no host for member '${member.name}' of the backed-up cluster; add {name, instanceId} for every member`,
      );
    }
    const configManifestKey = manifest.etcd.memberConfig.find((set) => set.host === placed.instanceId)?.manifestKey;
    return {
      host: placed.instanceId,
      name: member.name,
      peerUrls: member.peerUrls,
      clientUrls: member.clientUrls,
      dataDir: placed.dataDir ?? etcd.dataDir,
      ...(configManifestKey ? { configManifestKey } : {}),
    };
  });
  const initialCluster = members.flatMap((member) => member.peerUrls.split(',').map((url) => `${member.name}=${url}`)).join(',');
  const withConfig = members.filter((member) => member.configManifestKey);
  const service = serviceActions(etcd.service);
  const staticPod = 'staticPod' in etcd.service;
  const steps = [
    `prepare on every member: download ${manifest.payload.key}, check its sha256 and \`snapshot status\`, check free space (nothing is touched)`,
    `stop etcd on every member (${service.stop}) and check it no longer answers`,
    ...(withConfig.length
      ? [`restore the config set of ${withConfig.map((m) => m.name).join(', ')} from the same run (replaced files kept as <file>.old-${stamp})`]
      : []),
    `on each member move its data dir${staticPod ? " (on the host: the manifest's hostPath volume mounted at it)" : ''} aside to <dataDir>.old-${stamp} and \`snapshot restore\` with its own --name, --initial-cluster ${initialCluster}, --initial-cluster-token ${clusterToken}, --initial-advertise-peer-urls, --data-dir${manifest.etcd.mode === 'cold-copy' ? ', --skip-hash-check (cold copy)' : ''}`,
    `start etcd on every member (${service.start}${etcd.quotaBackendBytes ? `, ETCD_QUOTA_BACKEND_BYTES=${etcd.quotaBackendBytes}` : ''})`,
    'wait until every endpoint is healthy and every member reports the same key count',
    `advance the revision past the old cluster's: done by the restore step where every member has etcdutl 3.5 or later (--bump-revision 1000000000 --mark-compacted); ` +
      `otherwise read each moved-aside db's revision (read only), put one key until the cluster is ${REVISION_MARGIN} past the highest (or past the snapshot's ${manifest.etcd.revision} when no db is left), delete it and compact there`,
  ];
  return {
    kind: 'etcd-quorum-restore',
    job: job.name,
    runId: backup.runId,
    manifestKey: backup.manifestKey,
    stamp,
    payload: {
      key: manifest.payload.key,
      sha256: manifest.payload.sha256,
      mode: manifest.etcd.mode,
      revision: manifest.etcd.revision,
    },
    initialCluster,
    clusterToken,
    endpoints: etcd.endpoints.join(','),
    members,
    host: {
      etcdctl: etcd.etcdctl,
      caFile: etcd.tls?.caFile ?? '',
      certFile: etcd.tls?.certFile ?? '',
      keyFile: etcd.tls?.keyFile ?? '',
      access: { ...etcdContainerValues(etcd.container), ...etcdServiceValues(etcd.service) },
      quotaBackendBytes: etcd.quotaBackendBytes ? String(etcd.quotaBackendBytes) : '',
      workDir: etcd.workDir,
    },
    moves: members.map((member) => ({ host: member.host, from: member.dataDir, to: `${member.dataDir}.old-${stamp}` })),
    steps,
    notes: [
      'after the restore a watcher resuming from a revision it saw before the loss gets "compacted" and lists again (etcd issue 16028); ' +
        'the prepare step reports which members bump offline, and the restore is refused before the stop when members differ in that',
      'the online bump needs curl and the gRPC gateway on the first member; if it fails, the restored cluster is left running and the execution fails as RevisionNotAdvanced: restart every kube-apiserver',
      'a failure after the stop step rolls every member back: the restored data dir is kept as <dataDir>.failed-<stamp> and the old one put back',
      ...(staticPod
        ? [
            "the data dirs above are as etcd sees them in its container; each host restores the hostPath volume its manifest mounts there, with the host's etcdutl or etcdctl (the container is stopped meanwhile)",
          ]
        : []),
    ],
  };
}

/**
 * One member lost, quorum kept (seed 001): a healthy peer removes the member and adds it back
 * under the same name and peer URLs; the member's host moves its data dir aside, gets its config
 * set back when the run has one, and starts with ETCD_INITIAL_CLUSTER_STATE=existing.
 */
export function planEtcdMemberReplace(job: EtcdJob, backup: RestorableBackup, targetHost: string, stamp: string): EtcdRestorePlan {
  const quorum = planEtcdQuorumRestore(job, backup, stamp);
  const member = quorum.members.find((candidate) => candidate.host === targetHost);
  if (!member) throw new RestoreError(`event.targets: ${targetHost} runs no member of ${job.name}'s cluster (etcd.members)`);
  if (quorum.members.length < 3) throw new RestoreError(`job ${job.name}: replacing one member needs a cluster of three or more that keeps quorum; restore the whole cluster instead`);
  return {
    ...quorum,
    kind: 'etcd-member-replace',
    target: targetHost,
    moves: [{ host: member.host, from: member.dataDir, to: `${member.dataDir}.old-${stamp}` }],
    steps: [
      `on a healthy member: etcdctl member remove <id of ${member.name}>, then member add ${member.name} --peer-urls=${member.peerUrls}`,
      ...(member.configManifestKey ? [`restore ${member.name}'s config set from the run (replaced files kept as <file>.old-${stamp})`] : []),
      'staticPod' in job.etcd.service
        ? `on ${member.host}: ${serviceActions(job.etcd.service).stop}, move ${member.dataDir} (its hostPath) to <that>.old-${stamp}, set --initial-cluster-state=existing in the manifest (the one before kept as <manifest>.before-${stamp}), ${serviceActions(job.etcd.service).start}`
        : `on ${member.host}: stop etcd, move ${member.dataDir} to ${member.dataDir}.old-${stamp}, start with ETCD_INITIAL_CLUSTER_STATE=existing`,
      'wait until every endpoint is healthy and every member reports the same key count',
    ],
    notes: ['the replaced member starts empty and receives the data from the leader; the backup provides its identity and config set, not its data'],
  };
}
