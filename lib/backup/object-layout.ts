/**
 * Where things live in the backup bucket (DESIGN.md "Object layout"):
 * `<job>/<yyyy>/<mm>/<dd>/<runId>/<host>/{payload, manifest.json}`.
 */
export function runPrefix(job: string, runId: string, scheduledTime: Date): string {
  const [yyyy, mm, dd] = scheduledTime.toISOString().slice(0, 10).split('-');
  return `${job}/${yyyy}/${mm}/${dd}/${runId}`;
}

/** A linked set (an etcd member's config) keeps its own manifest in a sub-folder named after it. */
export function manifestKey(prefix: string, host: string, setName = ''): string {
  return setName ? `${prefix}/${host}/${setName}/manifest.json` : `${prefix}/${host}/manifest.json`;
}

/** Markers live outside every job prefix, so hosts (which may write only under their job) cannot forge them. */
export const MARKER_ROOT = '_cronsnap';

export function runMarkerKey(job: string, runId: string): string {
  return `${MARKER_ROOT}/runs/${job}/${runId}.json`;
}

export function completionMarkerKey(commandId: string, host: string): string {
  return `${MARKER_ROOT}/completions/${commandId}/${host}.json`;
}
