import { REPORT_ROOT } from '../catalog/object-layout';
import { PATTERNS } from './shell-safe';

/** One SSM document parameter; values arrive in the script as `SSM_<name>` (ENV_VAR interpolation). */
export interface DocumentParameter {
  readonly name: string;
  readonly description: string;
  /** Anchored regex; also the SSM `allowedPattern`. */
  readonly pattern: string;
  /** When true, an empty value is allowed too. */
  readonly optional?: boolean;
}

export function allowedPattern(parameter: DocumentParameter): string {
  return parameter.optional ? `^$|${parameter.pattern}` : parameter.pattern;
}

/** A comma-separated list of up to `maxItems` items matching an anchored `pattern`. */
export function listPattern(pattern: string, maxItems = 16): string {
  const item = pattern.replace(/^\^/, '').replace(/\$$/, '');
  return `^${item}(,${item}){0,${maxItems - 1}}$`;
}

const jobPattern = PATTERNS.jobName.replace(/^\^/, '').replace(/\$$/, '');

/** Every host program takes it; empty means "report on stdout only" (older senders). */
export const REPORT_PARAMETER: DocumentParameter = {
  name: 'reportKey',
  description: 'Key prefix the host writes its report under (its host id appended)',
  pattern: `^${REPORT_ROOT}/${jobPattern}/[0-9a-f-]{36}/$`,
  optional: true,
};

/** Parameters every backup document takes, whatever the engine. */
export const COMMON_PARAMETERS: readonly DocumentParameter[] = [
  { name: 'job', description: 'Job name from the cronsnap config', pattern: PATTERNS.jobName },
  { name: 'runId', description: 'Run id derived from the triggering event', pattern: '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{10}$' },
  { name: 'runPrefix', description: 'Key prefix of this run in the backup bucket', pattern: '^[a-z0-9-]{3,63}/((binlogs|wal)/runs/)?[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{10}$' },
  { name: 'bucket', description: 'Backup bucket', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
  { name: 'kmsKeyId', description: 'KMS key for SSE-KMS uploads', pattern: '^[A-Za-z0-9:/_-]{1,2048}$' },
  { name: 'executionTimeout', description: 'Seconds before SSM stops the script', pattern: '^[0-9]{1,6}$' },
  REPORT_PARAMETER,
  { name: 'maxPayloadBytes', description: "Upper bound of one payload, for the aws CLI's part size; estimated when empty", pattern: '^[0-9]{1,14}$', optional: true },
  { name: 'nice', description: 'CPU niceness of the backup', pattern: '^([0-9]|1[0-9])$', optional: true },
  { name: 'ioClass', description: 'I/O class of the backup', pattern: '^(idle|best-effort)$', optional: true },
  { name: 'ioPriority', description: 'best-effort I/O priority', pattern: '^[0-7]$', optional: true },
  { name: 'maxUploadMBps', description: 'Upload bandwidth limit in MB/s', pattern: '^[0-9]{1,6}$', optional: true },
];
