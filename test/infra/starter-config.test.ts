import { join } from 'node:path';
import { loadConfigFile } from '../../lib/config/config-file';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { STARTER_ENGINES } from '../../lib/cli/starter-config';
import type { DeployerPolicies } from '../../lib/cli/deployer-policy';
import { runCli } from '../../lib/cli/cli-program';
import { EXIT } from '../../lib/cli/exit-codes';
import { synthStacks } from '../helpers/stack-factory';
import { tempDir } from '../helpers/temp-dirs';

/** One command line, in process; what it printed and its exit code. */
async function cronsnap(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text), backendFor: () => Promise.reject(new Error('no AWS here')), now: () => new Date(), localZone: 'UTC' });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `cronsnap init` → `cronsnap validate` → `cdk synth`, as a new user runs them. */
async function initAndSynth(...initArgs: string[]) {
  const path = join(tempDir('cronsnap-init-'), 'cronsnap.yaml');
  expect(await cronsnap('init', ...initArgs, '--out', path)).toMatchObject({ code: EXIT.ok, err: expect.stringContaining(`wrote ${path}`) });
  expect(await cronsnap('-c', path, 'validate')).toMatchObject({ code: EXIT.ok, out: expect.stringContaining(`${path}: valid`) });
  // Written once: a second init never replaces what the first wrote (and the user may have edited).
  expect(await cronsnap('init', ...initArgs, '--out', path)).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('exists; nothing was written') });
  const config = loadConfigFile(path);
  return { config, ...synthStacks(config as CronsnapConfigInput) };
}

/** The jobs the template schedules: each schedule's target input names its job. */
function scheduledJobs(template: { findResources(type: string): Record<string, { Properties: { Target: { Input: string } } }> }): string[] {
  return [...new Set(Object.values(template.findResources('AWS::Scheduler::Schedule')).map((schedule) => (JSON.parse(schedule.Properties.Target.Input) as { job: string }).job))].sort();
}

describe('a starter config, synthesized', () => {
  it('synthesizes every engine written by init, tagged hosts, within cdk-nag, with a deployer policy for it', async () => {
    const { app, template } = await initAndSynth('--engine', STARTER_ENGINES.join(','));

    const assembly = app.synth();

    expect(scheduledJobs(template as never)).toEqual([...STARTER_ENGINES].sort());
    const policy = await cronsnap('--json', 'deployer-policy', '--cdk-out', assembly.directory);
    expect(policy.code).toBe(EXIT.ok);
    expect((JSON.parse(policy.out) as DeployerPolicies).execution.length).toBeGreaterThanOrEqual(1);
    expect((await cronsnap('deployer-policy', '--cdk-out', assembly.directory)).out).toContain('npx cdk bootstrap aws://<account>/<region> --cloudformation-execution-policies arn:aws:iam::<account>:policy/');
  }, 120_000);

  it('synthesizes a job of hosts given by instance id', async () => {
    const { config, app } = await initAndSynth('--engine', 'mysql', '--instance', 'i-0123456789abcdef0');

    expect(() => app.synth()).not.toThrow();
    expect(config.jobs[0]?.targets.instanceIds).toEqual(['i-0123456789abcdef0']);
  }, 120_000);
});
