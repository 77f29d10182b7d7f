import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../lib/config/config-file';
import { readAppContext } from './app-context';
import { addCronsnapStacks } from './cronsnap-app';

const app = new App();
try {
  const { configPath, stackName } = readAppContext(app.node);
  const config = loadConfigFile(configPath);
  mkdirSync(app.outdir, { recursive: true });
  const configFile = join(app.outdir, 'cronsnap.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  addCronsnapStacks(app, { config, configFile, stackName, env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
} catch (error) {
  // A missing or bad config or stack name fails synth with the field paths and nothing else.
  console.error((error as Error).message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
