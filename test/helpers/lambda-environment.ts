import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../lib/config/load-config';
import { configInput } from './config-factory';
import { tempDir } from './temp-dirs';

export const TEST_ENV = {
  CRONSNAP_BUCKET: 'cronsnap-backups-test',
  CRONSNAP_KMS_KEY_ID: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  CRONSNAP_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:cronsnap-failures',
  CRONSNAP_DOCUMENT_PREFIX: 'cronsnap',
  CRONSNAP_COMMAND_LOG_GROUP: '/cronsnap/Cronsnap/commands',
  CRONSNAP_REPORTS_BUCKET: 'cronsnap-reports-test',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'eu-central-1',
};

/** Sets the environment a deployed function gets, with the config bundled as JSON. */
export function useLambdaEnvironment(): void {
  const dir = tempDir('cronsnap-env-');
  const file = join(dir, 'cronsnap.config.json');
  writeFileSync(file, JSON.stringify(parseConfig(configInput())));
  Object.assign(process.env, TEST_ENV, { CRONSNAP_CONFIG_FILE: file });
}
