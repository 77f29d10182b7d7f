import { createHash } from 'node:crypto';
import { etcdEngine } from '../../../lib/engines/etcd-engine';
import { InvalidEventError } from '../../../lib/errors';
import { postgresRestoreProgram } from '../../../lib/restore/restore-programs';
import { assertParametersAllowed, buildCommandDocument, commandBytes, hostScript, MAX_DOCUMENT_BYTES, programObject, programObjects } from '../../../lib/ssm/command-document';
import { parseConfig } from '../../../lib/config/load-config';
import { configInput, etcdJobInput } from '../../helpers/config-factory';

function validParameters(): Record<string, string> {
  const [job] = parseConfig(configInput([etcdJobInput({ etcd: { endpoints: ['https://10.0.1.10:2379', 'https://10.0.1.11:2379'] } })])).jobs;
  if (job?.engine !== 'etcd') throw new Error('expected an etcd job');
  return {
    job: job.name,
    runId: '20261123T103000Z-0123456789',
    runPrefix: 'prod-etcd/2026/11/23/20261123T103000Z-0123456789',
    bucket: 'cronsnap-backups',
    kmsKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/abc',
    executionTimeout: '3600',
    ...etcdEngine.parametersFor(job, []),
  };
}

describe('etcd command document', () => {
  const document = buildCommandDocument(etcdEngine.program, 'cronsnap-backups');

  it('gives every parameter an allowedPattern and environment-variable interpolation', () => {
    for (const [name, parameter] of Object.entries(document.parameters)) {
      expect({ name, pattern: parameter.allowedPattern.length > 0, interpolation: parameter.interpolationType }).toEqual({
        name,
        pattern: true,
        interpolation: 'ENV_VAR',
      });
    }
  });

  it('holds a loader of the program, named and checked by the digest of lib/host-scripts, and none of the script', () => {
    const lines = document.mainSteps[0]?.inputs.runCommand.join('\n') ?? '';
    const { key, sha256, body } = programObject(etcdEngine.program);

    expect(body).toBe(hostScript(etcdEngine.program));
    expect(sha256).toBe(createHash('sha256').update(hostScript(etcdEngine.program)).digest('hex'));
    expect(key).toBe(`_cronsnap-programs/${sha256}.sh`);
    expect(lines).toContain(`--bucket 'cronsnap-backups' --key '${key}'`);
    expect(lines).toContain(`[ "$cronsnap_digest" != '${sha256}' ]`);
    expect(lines).not.toContain('cronsnap host library');
    expect(document.mainSteps[0]?.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
  });

  it('publishes one object per distinct program, whatever the number of documents loading it', () => {
    expect(programObjects([etcdEngine.program, etcdEngine.program]).map((object) => object.key)).toEqual([programObject(etcdEngine.program).key]);
  });

  it('accepts the parameters a valid job produces', () => {
    expect(() => assertParametersAllowed(etcdEngine.program, validParameters())).not.toThrow();
  });

  it.each([
    ['endpoints', 'https://10.0.1.10:2379;reboot'],
    ['etcdctl', 'etcdctl $(id)'],
    ['workDir', "/var/tmp'"],
    ['runId', 'latest'],
    ['bucket', 'Bad_Bucket'],
  ])('refuses a %s value SSM would refuse, naming the parameter', (name, value) => {
    expect(() => assertParametersAllowed(etcdEngine.program, { ...validParameters(), [name]: value })).toThrow(InvalidEventError);
    expect(() => assertParametersAllowed(etcdEngine.program, { ...validParameters(), [name]: value })).toThrow(`document parameter ${name}: `);
  });

  it('refuses a parameter the document does not declare', () => {
    expect(() => assertParametersAllowed(etcdEngine.program, { ...validParameters(), extra: 'x' })).toThrow('unknown document parameters: extra');
  });
});

describe("SSM's 64 KB document limit", () => {
  /** A PostgreSQL restore of the globals and `databases` databases, part keys `keyLength` characters long. */
  function postgresRestoreValues(databases: number, keyLength: number): Record<string, string> {
    const names = Array.from({ length: databases }, (_, i) => `db${i}`);
    const parts = ['globals', ...names];
    const prefix = 'shop-postgres/2026/11/23/20261123T103000Z-0123456789/i-0123456789abcdef0/';
    return {
      job: 'shop-postgres',
      bucket: 'cronsnap-backups',
      executionTimeout: '3600',
      server: 'db1.internal:5432',
      user: 'backup',
      passwordParameter: '/cronsnap/shop/password',
      databases: names.join(','),
      workDir: '/var/tmp',
      partKinds: parts.map((part) => (part === 'globals' ? 'globals' : 'database')).join(','),
      partNames: parts.join(','),
      partKeys: parts.map((part) => `${prefix}${part.padEnd(keyLength - prefix.length - 7, 'x')}.pgdump`).join(','),
      partSha256s: parts.map(() => 'a'.repeat(64)).join(','),
      partsSize: '1000',
      parallelJobs: '2',
      psql: 'psql',
      pgRestore: 'pg_restore',
      mode: 'dry-run',
    };
  }

  it('counts the document and every value sent with it', () => {
    const values = postgresRestoreValues(3, 120);
    const document = Buffer.byteLength(JSON.stringify(buildCommandDocument(postgresRestoreProgram, 'b'.repeat(63))));

    expect(commandBytes(postgresRestoreProgram, values)).toBe(document + Object.values(values).reduce((sum, value) => sum + value.length, 0));
  });

  it('accepts a restore of globals and 100 databases with keys of ordinary length', () => {
    expect(() => assertParametersAllowed(postgresRestoreProgram, postgresRestoreValues(100, 120))).not.toThrow();
  });

  it('refuses, before sending, a restore whose 101 part keys take the command over 64 KB', () => {
    const values = postgresRestoreValues(100, 500);

    expect(commandBytes(postgresRestoreProgram, values)).toBeGreaterThan(MAX_DOCUMENT_BYTES);
    expect(() => assertParametersAllowed(postgresRestoreProgram, values)).toThrow(
      /^document postgres-restore with its parameter values is \d+ bytes, over SSM's limit of 65536 \(the largest value, partKeys, is 50600 bytes\)$/,
    );
  });
});
