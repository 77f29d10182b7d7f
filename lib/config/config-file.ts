import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CronsnapConfig } from './cronsnap-config';
import { readConfigFile } from './load-config';

/** Reads a `.yaml`, `.yml` or `.json` config file, as operators write it (CLI, CDK app). */
export function loadConfigFile(path: string): CronsnapConfig {
  return extname(path) === '.json' ? readConfigFile(path, JSON.parse, 'JSON') : readConfigFile(path, parseYaml, 'YAML');
}
