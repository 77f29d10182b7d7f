import { App } from 'aws-cdk-lib';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONFIG_CONTEXT, readAppContext } from '../../infra/app-context';
import { tempDir } from '../helpers/temp-dirs';

const REPO = join(__dirname, '..', '..');

/** `cdk synth` of infra/app.ts with `context` as the CDK CLI passes it (CDK_CONTEXT_JSON): its exit code and stderr. */
async function synthApp(context: Record<string, string>): Promise<{ code: number; err: string }> {
  const env = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: tempDir('cronsnap-app-') };
  try {
    await promisify(execFile)(join(REPO, 'node_modules', '.bin', 'tsx'), [join(REPO, 'infra', 'app.ts')], { cwd: REPO, env });
    return { code: 0, err: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, err: failed.stderr };
  }
}

describe('the CDK app context', () => {
  it('refuses to synthesize without cronsnap:config, in one line that says how to give one and where a starter comes from', async () => {
    const { code, err } = await synthApp({});

    expect({ code, err }).toEqual({
      code: 1,
      err: 'cronsnap:config: no config file given; deploy one with `npx cdk deploy -c cronsnap:config=<file>` (`cronsnap init` writes a starter config)\n',
    });
  }, 60_000);

  it('refuses a stack name CloudFormation would not take, in one line naming cronsnap:stackName', async () => {
    const { code, err } = await synthApp({ [CONFIG_CONTEXT]: 'config/cronsnap.example.yaml', 'cronsnap:stackName': 'prod_backups' });

    expect({ code, err }).toEqual({ code: 1, err: expect.stringMatching(/^cronsnap:stackName "prod_backups": must start with a letter and hold only letters, digits and hyphens \(a CloudFormation stack name\)\n$/) });
  }, 60_000);

  it('gives cdk no config by default: a forgotten -c deploys nothing rather than the example', () => {
    const cdk = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

    expect(Object.keys(cdk.context).filter((key) => key.startsWith('cronsnap:'))).toEqual([]);
  });

  it('reads the config file and the stack name, Cronsnap when none is given', () => {
    expect(readAppContext(new App({ context: { [CONFIG_CONTEXT]: 'prod.yaml' } }).node)).toEqual({ configPath: 'prod.yaml', stackName: 'Cronsnap' });
    expect(readAppContext(new App({ context: { [CONFIG_CONTEXT]: 'prod.yaml', 'cronsnap:stackName': 'Staging' } }).node)).toEqual({ configPath: 'prod.yaml', stackName: 'Staging' });
  });
});
