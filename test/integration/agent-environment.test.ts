import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LocalCommandRunner } from '../../lib/adapters/local-command-runner';
import type { CommandDocument } from '../../lib/ssm/command-document';
import { failureReason } from '../../lib/ssm/host-report';
import { useMotoBucket } from '../helpers/moto-fixture';

const COMMON = readFileSync(join(__dirname, '../../lib/host-scripts/common.sh'), 'utf8');
const HOST = 'i-0a9e0700000000001';

/** A directory on this machine's PATH whose `aws` is CLI v1 (the pip one), if any. */
function cliV1Dir(): string | undefined {
  return (process.env.PATH ?? '').split(delimiter).find((dir) => {
    if (!existsSync(join(dir, 'aws'))) return false;
    return execFileSync(join(dir, 'aws'), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).startsWith('aws-cli/1.');
  });
}
const V1 = cliV1Dir();

/** A document running common.sh and then `lines`, as the generated documents do. */
function documentOf(...lines: string[]): CommandDocument {
  return {
    schemaVersion: '2.2',
    description: 'agent environment probe',
    parameters: {},
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'probe',
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: ['#!/bin/sh', "cat > /tmp/cronsnap-probe.$$ <<'END'", COMMON, ...lines, 'END', 'bash /tmp/cronsnap-probe.$$; rc=$?; rm -f /tmp/cronsnap-probe.$$; exit $rc'], timeoutSeconds: '60' },
      },
    ],
  };
}

describe('host programs in the SSM agent environment', () => {
  const fixture = useMotoBucket('agent-env');

  async function run(lines: string[], hostEnv: Record<string, string> = {}) {
    const runner = new LocalCommandRunner({
      documents: { probe: documentOf(...lines) },
      hosts: { [HOST]: { env: hostEnv } },
      // The caller's region is what a developer's shell has; the agent gives none.
      env: { ...fixture.moto.env, AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'ap-south-1' },
      region: 'us-east-1',
    });
    const { commandId } = await runner.send({ documentName: 'probe', hostIds: [HOST], parameters: {}, comment: 'probe', timeoutSeconds: 60 });
    await runner.settled(commandId);
    return runner.invocation(commandId, HOST);
  }

  beforeAll(async () => {
    await fixture.moto.putSecureString('/cronsnap/agent-env/password', 'agent-secret-1');
  });

  it('gives the script the agent variables and none of the caller region, HOME or aws config', async () => {
    const invocation = await run(['env -0 | tr "\\0" "\\n" | grep -E "^(AWS_SSM_|AWS_REGION|HOME|AWS_CONFIG_FILE|PATH)" | sort >&2']);

    // A legacy host profile's tools (bash 4.2, its tar and tee) stand first, as installed there.
    const profileBin = process.env.CRONSNAP_LOCAL_HOST_PATH ? `${process.env.CRONSNAP_LOCAL_HOST_PATH}:` : '';
    expect(invocation.stderr.split('\n').filter(Boolean)).toEqual([
      'AWS_CONFIG_FILE=/nonexistent/cronsnap-agent/config',
      `AWS_SSM_INSTANCE_ID=${HOST}`,
      'AWS_SSM_REGION_NAME=us-east-1',
      `PATH=${profileBin}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    ]);
  });

  it('runs each command in an empty working directory of its own, never the caller\'s, and removes it after', async () => {
    const first = await run(['pwd', 'ls -A | wc -l']);
    const second = await run(['pwd']);

    const [dir, entries] = first.stdout.trim().split('\n');
    expect(dir).not.toBe(process.cwd());
    expect(entries).toBe('0');
    expect(second.stdout.trim()).not.toBe(dir);
    expect(existsSync(dir ?? '')).toBe(false);
  });

  async function readsSecureStringInAgentRegion(hostEnv: Record<string, string>): Promise<void> {
    const invocation = await run(
      ['aws_cli ssm get-parameter --name /cronsnap/agent-env/password --with-decryption --query Parameter.Value --output text | wc -c', 'printf "%s\\n" "$AWS_DEFAULT_REGION"'],
      hostEnv,
    );

    expect({ status: invocation.status, stderr: invocation.stderr }).toEqual({ status: 'Success', stderr: '' });
    expect(invocation.stdout.trim().split('\n')).toEqual([String('agent-secret-1\n'.length), 'us-east-1']);
  }

  it("reads a SecureString with the distribution's aws CLI v2 on the agent's PATH, in the region the agent names", () => readsSecureStringInAgentRegion({}));

  // Counted as skipped, not left out, where no aws-cli/1 is on PATH.
  (V1 ? it : it.skip)('reads a SecureString with aws CLI v1, which never asks instance metadata for a region, in the region the agent names', () =>
    readsSecureStringInAgentRegion({ PATH: `${V1}:/usr/sbin:/usr/bin:/sbin:/bin` }),
  );

  it('reports the first, specific reason when fail runs inside a command substitution and the ERR trap adds its own', async () => {
    const invocation = await run(['step probe', 'value=$(fail "the dump server 10.0.0.5:3306 refused the backup user")', 'echo "$value"']);

    expect(invocation.status).toBe('Failed');
    // Both lines are written; the trap's says only where.
    expect(invocation.stderr).toMatch(/step=probe: command failed with exit code 1 \(line \d+\)/);
    expect(failureReason(invocation.stderr, invocation.status)).toBe('step=probe: the dump server 10.0.0.5:3306 refused the backup user');
  });

  it("takes a client's first error line as its reason, not the blank line pg_restore ends with", async () => {
    // As pg_restore --exit-on-error writes it: the error, the command that failed, a blank line.
    const stderr = 'pg_restore: error: could not execute query: ERROR:  role "reporting" does not exist\nCommand was: GRANT SELECT ON TABLE public.product_names TO reporting;\n\n';
    const invocation = await run([`printf '%s' '${stderr.replace(/'/g, "'\\''")}' >"$CRONSNAP_WORK_PROBE"`, 'error_line "$CRONSNAP_WORK_PROBE"', "printf 'no error word here\\n\\n' >\"$CRONSNAP_WORK_PROBE\"", 'error_line "$CRONSNAP_WORK_PROBE"'], {
      CRONSNAP_WORK_PROBE: join(fixture.dir, 'stderr.txt'),
    });

    expect(invocation.stdout.trim().split('\n')).toEqual(['pg_restore: error: could not execute query: ERROR:  role "reporting" does not exist', 'no error word here']);
  });
});
