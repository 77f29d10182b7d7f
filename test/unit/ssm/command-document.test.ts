import { etcdEngine } from '../../../lib/engines/etcd-engine';
import { InvalidEventError } from '../../../lib/errors';
import { assertParametersAllowed, buildCommandDocument, hostScript } from '../../../lib/ssm/command-document';
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
  const document = buildCommandDocument(etcdEngine.program);

  it('gives every parameter an allowedPattern and environment-variable interpolation', () => {
    for (const [name, parameter] of Object.entries(document.parameters)) {
      expect({ name, pattern: parameter.allowedPattern.length > 0, interpolation: parameter.interpolationType }).toEqual({
        name,
        pattern: true,
        interpolation: 'ENV_VAR',
      });
    }
  });

  it('embeds the host scripts verbatim, so lib/host-scripts stays the one source', () => {
    const lines = document.mainSteps[0]?.inputs.runCommand.join('\n') ?? '';
    expect(lines).toContain(hostScript(etcdEngine.program));
    expect(document.mainSteps[0]?.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
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
