import { tmpdir } from 'node:os';
import { ConfigError } from '../errors';
import { runCli, type GlobalOptions } from './cli-program';
import type { CronsnapBackend } from './cronsnap-backend';
import { DeployedBackend } from './deployed-backend';
import { LocalBackend } from './local-backend';
import type { CronsnapConfig } from '../config/cronsnap-config';

function backendFor(options: GlobalOptions, config: CronsnapConfig): CronsnapBackend {
  if (!options.local) return new DeployedBackend({ stackName: options.stack });
  if (!options.bucket) throw new ConfigError('--local needs --bucket (and --endpoint-url for an S3 stand-in such as moto_server)');
  return new LocalBackend({
    config,
    bucket: options.bucket,
    kmsKeyId: options.kmsKeyId ?? '',
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    workDir: options.workDir ?? tmpdir(),
  });
}

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  backendFor,
  now: () => new Date(),
  localZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
}).then((code) => process.exit(code));
