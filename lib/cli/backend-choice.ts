import { tmpdir } from 'node:os';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { ConfigError } from '../errors';
import { REPLICA_STACK_SUFFIX } from '../replica/replica-target';
import type { GlobalOptions } from './cli-program';
import type { CronsnapBackend } from './cronsnap-backend';
import { DeployedBackend } from './deployed-backend';
import { LocalBackend, type LocalBackendOptions } from './local-backend';

/**
 * The backend a command line asks: the deployed stack, or its logic here with `--local`; with
 * `--from-replica`, the copy's stack in the copy's region, or the copy's bucket here.
 */
export function backendFor(options: GlobalOptions, config: CronsnapConfig, local: Pick<LocalBackendOptions, 'signing' | 'workDir'> = { workDir: tmpdir() }): CronsnapBackend {
  const { replica } = config.storage;
  if (options.fromReplica && !replica) throw new ConfigError('--from-replica: the config has no storage.replica, so there is no copy to read');
  if (!options.local) {
    const profile = options.profile ? { profile: options.profile } : {};
    if (options.fromReplica && replica) return new DeployedBackend({ stackName: `${options.stack}${REPLICA_STACK_SUFFIX}`, region: replica.region, fromReplica: true, ...profile });
    return new DeployedBackend({ stackName: options.stack, ...(options.region ? { region: options.region } : {}), ...profile });
  }
  const bucket = options.fromReplica ? options.replicaBucket : options.bucket;
  if (!bucket) {
    throw new ConfigError(options.fromReplica ? '--from-replica with --local needs --replica-bucket, the copy\'s bucket' : '--local needs --bucket (and --endpoint-url for an S3 stand-in such as moto_server)');
  }
  return new LocalBackend({
    config,
    bucket,
    // The copy is encrypted by its own key as S3 writes it; nothing here writes into it but reports.
    kmsKeyId: options.fromReplica ? '' : (options.kmsKeyId ?? ''),
    ...(options.fromReplica ? { bucketRole: 'replica' as const } : {}),
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    ...local,
    workDir: options.workDir ?? local.workDir,
  });
}
