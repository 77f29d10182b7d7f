import type { EtcdJob } from '../config/job-config';
import { PATTERNS } from '../config/shell-safe';
import { INSTANCE_ID_PATTERN } from '../config/targets';
import { listPattern } from '../ssm/document-parameter';
import { backupProgram, type BackupEngine } from './backup-engine';

export const etcdEngine: BackupEngine<EtcdJob> = {
  engine: 'etcd',
  program: backupProgram('etcd', 'cronsnap: etcd v3 snapshot, verified, zstd-compressed and streamed to S3 with its manifest', ['file-metadata.sh', 'etcd-client.sh', 'etcd-snapshot.sh'], [
    { name: 'endpoints', description: 'Comma-separated client URLs of every member', pattern: listPattern(PATTERNS.endpoint) },
    { name: 'caFile', description: 'CA certificate path on the host', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'certFile', description: 'Client certificate path on the host', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'keyFile', description: 'Client key path on the host', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'etcdctl', description: 'etcdctl command (binary or container exec)', pattern: PATTERNS.commandWords },
    { name: 'dataDir', description: 'Member data dir, recorded for restore', pattern: PATTERNS.absolutePath },
    { name: 'memberName', description: 'Member name, recorded for restore', pattern: PATTERNS.token, optional: true },
    { name: 'clusterToken', description: 'Initial cluster token, recorded for restore', pattern: PATTERNS.token, optional: true },
    { name: 'workDir', description: 'Where the snapshot is staged', pattern: PATTERNS.absolutePath },
    { name: 'timeoutSeconds', description: 'Snapshot timeout', pattern: '^[0-9]{1,6}$' },
    { name: 'memberConfigHosts', description: 'Hosts taking the members\' config set in this run, linked from the manifest', pattern: listPattern(INSTANCE_ID_PATTERN, 50), optional: true },
    { name: 'mode', description: 'snapshot or cold-copy', pattern: '^(snapshot|cold-copy)$' },
    { name: 'stopCommand', description: 'Stops the local member (cold-copy)', pattern: PATTERNS.commandWords },
    { name: 'startCommand', description: 'Starts the local member (cold-copy)', pattern: PATTERNS.commandWords },
    { name: 'healthTimeoutSeconds', description: 'How long cold-copy waits for the cluster to be healthy again', pattern: '^[0-9]{1,6}$' },
  ]),
  parametersFor(job, memberHosts) {
    const { etcd } = job;
    return {
      endpoints: etcd.endpoints.join(','),
      caFile: etcd.tls?.caFile ?? '',
      certFile: etcd.tls?.certFile ?? '',
      keyFile: etcd.tls?.keyFile ?? '',
      etcdctl: etcd.etcdctl,
      dataDir: etcd.dataDir,
      memberName: etcd.memberName ?? '',
      clusterToken: etcd.initialClusterToken ?? '',
      workDir: etcd.workDir,
      timeoutSeconds: String(etcd.snapshotTimeoutSeconds),
      memberConfigHosts: memberHosts.join(','),
      mode: etcd.mode,
      stopCommand: etcd.service.stop,
      startCommand: etcd.service.start,
      healthTimeoutSeconds: String(etcd.service.healthTimeoutSeconds),
    };
  },
  // Any member SSM can reach will do: the script itself snapshots a healthy endpoint.
  hosts: 'one',
  memberFileSet: (job) => job.etcd.memberConfig && { fileSet: { paths: job.etcd.memberConfig, packageList: true }, workDir: job.etcd.workDir },
};
