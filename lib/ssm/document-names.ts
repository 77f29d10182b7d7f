import type { Engine } from '../config/job-config';

/** The name a deployed stack gives an engine's backup document; local mode uses the same names. */
export function backupDocumentName(prefix: string, engine: Engine): string {
  return `${prefix}-${engine}-backup`;
}
