import * as z from 'zod';
import type { Manifest } from '../catalog/manifest';
import { RestoreError } from '../errors';
import type { ReportLine } from '../ssm/report-lines';
import { equalCheck, type DrillCheck } from '../catalog/drill-result';

/** `etcdutl snapshot restore --bump-revision` (3.5+) moves every revision up by this much. */
const REVISION_BUMP = 1_000_000_000;

const drilledSchema = z.object({
  host: z.string(),
  revision: z.number().int(),
  keys: z.number().int(),
  sampledKeys: z.number().int(),
  bumpRevision: z.boolean(),
});

/**
 * What the throwaway member holds against what the manifest recorded when the snapshot was taken:
 * its revision, its live key count (where the backup recorded it), and that the sample of keys
 * could be read. The snapshot itself was proven by the payload's sha256 (and zstd's checksum)
 * before it was restored, so its hash and revision are the manifest's by construction.
 */
export function judgeEtcdDrill(manifest: Extract<Manifest, { engine: 'etcd' }>, lines: readonly ReportLine[], sampleKeys: number): DrillCheck[] {
  const line = lines.find((candidate) => candidate.kind === 'drilled');
  if (!line) throw new RestoreError('the drill reported nothing it read back (no drilled line in its output)');
  const drilled = drilledSchema.parse(line.value);
  const { etcd } = manifest;
  const checks = [equalCheck('member revision', etcd.revision + (drilled.bumpRevision ? REVISION_BUMP : 0), drilled.revision)];
  if (typeof etcd.keyCount === 'number') checks.push(equalCheck('keys', etcd.keyCount, drilled.keys));
  checks.push(equalCheck('keys read back', Math.min(sampleKeys, drilled.keys), drilled.sampledKeys));
  return checks;
}
