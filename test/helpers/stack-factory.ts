import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { parseConfig } from '../../lib/config/load-config';
import { CronsnapStack } from '../../infra/cronsnap-stack';

/** The stack as `cdk synth` builds it, with cdk-nag's AwsSolutions pack registered. */
export function synthStack(input: CronsnapConfigInput): { app: App; stack: CronsnapStack; template: Template } {
  const outdir = mkdtempSync(join(tmpdir(), 'cronsnap-cdk-'));
  const app = new App({ outdir });
  const config = parseConfig(input);
  const configFile = join(outdir, 'cronsnap.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const stack = new CronsnapStack(app, 'Cronsnap', { config, configFile, env: { account: '123456789012', region: 'eu-central-1' } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
}
