import { readFileSync } from 'node:fs';
import { ConfigError, UnknownJobError } from '../errors';
import { formatIssues } from '../validation-issues';
import { cronsnapConfigSchema, type CronsnapConfig } from './cronsnap-config';
import type { Job } from './job-config';

/** Validates an already-parsed document; every problem is reported with its field path. */
export function parseConfig(document: unknown, source = 'config'): CronsnapConfig {
  const result = cronsnapConfigSchema.safeParse(document);
  if (!result.success) throw new ConfigError(`${source} is invalid:\n${formatIssues(result.error)}`, { cause: result.error });
  return result.data;
}

/** Reads a config file and parses its text with `parse` (JSON or YAML); errors name the file. */
export function readConfigFile(path: string, parse: (text: string) => unknown, format: string): CronsnapConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config ${path}: ${(cause as Error).message}`, { cause });
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (cause) {
    throw new ConfigError(`${path} is not valid ${format}: ${(cause as Error).message}`, { cause });
  }
  return parseConfig(document, path);
}

/**
 * The validated config as the stack bundles it next to each function: JSON only, so the
 * functions carry no YAML parser (`config-file.ts` reads what operators write).
 */
export function loadBundledConfig(path: string): CronsnapConfig {
  return readConfigFile(path, JSON.parse, 'JSON');
}

export function findJob(config: CronsnapConfig, name: string): Job {
  const job = config.jobs.find((candidate) => candidate.name === name);
  if (!job) throw new UnknownJobError(`job '${name}' is not in the config (known: ${config.jobs.map((j) => j.name).join(', ')})`);
  return job;
}
