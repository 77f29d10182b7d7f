import { parseConfig } from '../../../lib/config/load-config';
import { mysqlEngine } from '../../../lib/engines/mysql-engine';
import { mysqlDumpParameters } from '../../../lib/restore/database-restore';
import { mysqlRestoreProgram } from '../../../lib/restore/restore-programs';
import { assertParametersAllowed } from '../../../lib/ssm/command-document';
import { configInput, mysqlJobInput } from '../../helpers/config-factory';
import { mysqlManifest } from '../../helpers/manifest-factory';

function mysqlJobWithSecret() {
  const [job] = parseConfig(
    configInput([mysqlJobInput({ mysql: { hosts: ['10.0.2.15:3306'], user: 'backup', passwordSecret: { id: 'rds!db-3f2a9c', jsonKey: 'password' } } } as never)]),
  ).jobs;
  if (job?.engine !== 'mysql') throw new Error('expected a mysql job');
  return job;
}

const SECRET_PARAMETERS = { passwordParameter: '', passwordSecret: 'rds!db-3f2a9c', passwordSecretKey: 'password' };

describe('password source', () => {
  it('hands a Secrets Manager secret, and no SSM parameter, to the backup document', () => {
    const parameters = {
      job: 'prod-mysql',
      runId: '20261123T103000Z-0123456789',
      runPrefix: 'prod-mysql/2026/11/23/20261123T103000Z-0123456789',
      bucket: 'cronsnap-backups',
      kmsKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/abc',
      executionTimeout: '3600',
      ...mysqlEngine.parametersFor(mysqlJobWithSecret(), []),
    };

    expect(parameters).toMatchObject(SECRET_PARAMETERS);
    expect(() => assertParametersAllowed(mysqlEngine.program, parameters)).not.toThrow();
  });

  it('hands the same secret to the restore document', () => {
    const target = { bucket: 'cronsnap-backups', workDir: '/var/tmp', server: '10.0.2.16:3306' };
    const parameters = { ...mysqlDumpParameters(mysqlJobWithSecret(), mysqlManifest(), ['shop'], target), targetDatabase: '', mode: 'dry-run', executionTimeout: '3600' };

    expect(parameters).toMatchObject(SECRET_PARAMETERS);
    expect(() => assertParametersAllowed(mysqlRestoreProgram, parameters)).not.toThrow();
  });
});
