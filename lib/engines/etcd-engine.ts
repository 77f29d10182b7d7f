import type { EtcdJob } from '../config/job-config';
import { PATTERNS } from '../parameters/shell-safe';
import { INSTANCE_ID_PATTERN } from '../config/targets';
import { listPattern } from '../parameters/document-parameter';
import { backupProgram, type BackupEngine } from './backup-engine';
import { ETCD_CONTAINER_PARAMETERS, ETCD_SERVICE_PARAMETERS, etcdContainerValues, etcdServiceValues } from './etcd-member-access';

export const etcdEngine: BackupEngine<EtcdJob> = {
  engine: 'etcd',
  program: backupProgram('etcd', 'cronsnap: etcd v3 snapshot, verified, zstd-compressed and streamed to S3 with its manifest', ['file-metadata.sh', 'etcd-container.sh', 'etcd-client.sh', 'etcd-service.sh', 'etcd-snapshot.sh'], [
    { name: 'endpoints', description: 'Comma-separated client URLs of every member', pattern: listPattern(PATTERNS.endpoint) },
    { name: 'caFile', description: 'CA certificate path on the host', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'certFile', description: 'Client certificate path on the host', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'keyFile', description: 'Client key path on the host', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'etcdctl', description: 'etcdctl command: on the host, or inside the container', pattern: PATTERNS.commandWords },
    ...ETCD_CONTAINER_PARAMETERS,
    { name: 'dataDir', description: 'Member data dir, recorded for restore', pattern: PATTERNS.absolutePath },
    { name: 'memberName', description: 'Member name, recorded for restore', pattern: PATTERNS.token, optional: true },
    { name: 'clusterToken', description: 'Initial cluster token, recorded for restore', pattern: PATTERNS.token, optional: true },
    { name: 'workDir', description: 'Where the snapshot is staged', pattern: PATTERNS.absolutePath },
    { name: 'timeoutSeconds', description: 'Snapshot timeout', pattern: '^[0-9]{1,6}$' },
    { name: 'memberConfigHosts', description: 'Hosts taking the members\' config set in this run, linked from the manifest', pattern: listPattern(INSTANCE_ID_PATTERN, 50), optional: true },
    { name: 'mode', description: 'snapshot or cold-copy', pattern: '^(snapshot|cold-copy)$' },
    ...ETCD_SERVICE_PARAMETERS,
  ]),
  parametersFor(job, memberHosts) {
    const { etcd } = job;
    return {
      endpoints: etcd.endpoints.join(','),
      caFile: etcd.tls?.caFile ?? '',
      certFile: etcd.tls?.certFile ?? '',
      keyFile: etcd.tls?.keyFile ?? '',
      etcdctl: etcd.etcdctl,
      ...etcdContainerValues(etcd.container),
      dataDir: etcd.dataDir,
      memberName: etcd.memberName ?? '',
      clusterToken: etcd.initialClusterToken ?? '',
      workDir: etcd.workDir,
      timeoutSeconds: String(etcd.snapshotTimeoutSeconds),
      memberConfigHosts: memberHosts.join(','),
      mode: etcd.mode,
      ...etcdServiceValues(etcd.service),
    };
  },
  // Any member SSM can reach will do: the script itself snapshots a healthy endpoint.
  hosts: 'one',
  memberFileSet: (job) => job.etcd.memberConfig && { fileSet: { paths: job.etcd.memberConfig, packageList: true }, workDir: job.etcd.workDir },
};
