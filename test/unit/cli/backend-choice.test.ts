import { backendFor } from '../../../lib/cli/backend-choice';
import type { GlobalOptions } from '../../../lib/cli/cli-program';
import { DeployedBackend } from '../../../lib/cli/deployed-backend';
import { LocalBackend } from '../../../lib/cli/local-backend';
import { parseConfig } from '../../../lib/config/load-config';
import { ConfigError } from '../../../lib/errors';
import { configInput } from '../../helpers/config-factory';

const withCopy = parseConfig({ ...configInput(), storage: { replica: { region: 'eu-west-1' } } });
const options = (more: Partial<GlobalOptions> = {}): GlobalOptions => ({ config: 'c.yaml', json: false, local: false, stack: 'Cronsnap', ...more });

describe('which backend a command line asks', () => {
  it('asks the copy\'s stack for --from-replica, and the copy\'s bucket with --local', () => {
    expect(backendFor(options({ fromReplica: true }), withCopy)).toBeInstanceOf(DeployedBackend);
    expect(backendFor(options({ local: true, bucket: 'source', replicaBucket: 'copy', fromReplica: true }), withCopy)).toBeInstanceOf(LocalBackend);
  });

  it('refuses --from-replica without a copy in the config, or without --replica-bucket here', () => {
    expect(() => backendFor(options({ fromReplica: true }), parseConfig(configInput()))).toThrow(new ConfigError('--from-replica: the config has no storage.replica, so there is no copy to read'));
    expect(() => backendFor(options({ local: true, bucket: 'source', fromReplica: true }), withCopy)).toThrow(/--replica-bucket/);
    expect(() => backendFor(options({ local: true }), withCopy)).toThrow(/--local needs --bucket/);
  });
});
