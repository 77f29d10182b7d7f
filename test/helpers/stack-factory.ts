import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { parseConfig } from '../../lib/config/load-config';
import { addCronsnapStacks } from '../../infra/cronsnap-app';
import type { CronsnapStack } from '../../infra/cronsnap-stack';
import type { CronsnapReplicaStack } from '../../infra/cronsnap-replica-stack';
import { deployedTemplate } from './nested-stacks';
import type { Template } from 'aws-cdk-lib/assertions';
import { tempDir } from './temp-dirs';

export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'eu-central-1';

/**
 * The app as `cdk synth` builds it, with cdk-nag's AwsSolutions pack registered; each template
 * is its stack as deployed, its job groups' nested stacks included (see deployedTemplate). The
 * stack is `Cronsnap` unless `options.stackName` names it (`-c cronsnap:stackName`).
 */
export function synthStacks(
  input: CronsnapConfigInput,
  options: { readonly stackName?: string } = {},
): {
  app: App;
  stack: CronsnapStack;
  template: Template;
  replica?: { stack: CronsnapReplicaStack; template: Template };
} {
  const outdir = tempDir('cronsnap-cdk-');
  const app = new App({ outdir });
  const config = parseConfig(input);
  const configFile = join(outdir, 'cronsnap.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const stacks = addCronsnapStacks(app, { config, configFile, env: { account: TEST_ACCOUNT, region: TEST_REGION }, ...options });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    stack: stacks.main,
    template: deployedTemplate(stacks.main),
    ...(stacks.replica ? { replica: { stack: stacks.replica, template: deployedTemplate(stacks.replica) } } : {}),
  };
}

/** The main stack alone. */
export function synthStack(input: CronsnapConfigInput): { app: App; stack: CronsnapStack; template: Template } {
  const { app, stack, template } = synthStacks(input);
  return { app, stack, template };
}
