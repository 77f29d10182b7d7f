import { z } from 'zod';
import { ManifestError } from '../errors';
import { formatIssues } from '../validation-issues';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');
const isoTime = z.iso.datetime();

const payloadSchema = z.object({
  key: z.string().min(1),
  size: z.number().int().nonnegative().describe('bytes as uploaded (compressed)'),
  sha256: sha256.describe('of the object as uploaded'),
  rawSize: z.number().int().nonnegative(),
  rawSha256: sha256.describe('of the data before compression'),
  compression: z.literal('zstd'),
});

const etcdFactsSchema = z.object({
  endpoint: z.string(),
  revision: z.number().int().nonnegative(),
  hash: z.number().int().nonnegative(),
  totalKeys: z.number().int().nonnegative(),
  totalSize: z.number().int().nonnegative(),
  dbSize: z.number().int().nonnegative(),
  memberId: z.string(),
  memberName: z.string(),
  peerUrls: z.string(),
  dataDir: z.string(),
  clusterToken: z.string(),
  members: z.array(
    z.object({ id: z.string(), name: z.string(), status: z.string(), peerUrls: z.string(), clientUrls: z.string() }),
  ),
  health: z.array(z.object({ endpoint: z.string(), health: z.boolean(), took: z.string().optional(), error: z.string().optional() })),
});

const common = {
  formatVersion: z.literal(1),
  job: z.string(),
  runId: z.string(),
  host: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  payload: payloadSchema,
  tools: z.record(z.string(), z.string()),
};

/** manifest.json, written last by the host script: its presence marks a backup complete. */
const mysqlFactsSchema = z.object({
  server: z.string(),
  source: z.enum(['primary', 'replica']),
  serverVersion: z.string(),
  databases: z.array(z.string()),
  binlogFile: z.string(),
  binlogPosition: z.number().int().nonnegative().nullable(),
  gtid: z.string(),
});

const postgresFactsSchema = z.object({
  server: z.string(),
  serverVersion: z.string(),
  mode: z.enum(['per-database', 'dumpall']),
  databases: z.array(z.string()),
  /** Every uploaded object: globals and one custom-format dump per database, or one dumpall. */
  parts: z.array(payloadSchema.extend({ name: z.string(), kind: z.enum(['globals', 'database', 'dumpall']) })).min(1),
});

export const manifestSchema = z.discriminatedUnion('engine', [
  z.object({ ...common, engine: z.literal('etcd'), etcd: etcdFactsSchema }),
  z.object({ ...common, engine: z.literal('mysql'), mysql: mysqlFactsSchema }),
  z.object({ ...common, engine: z.literal('postgres'), postgres: postgresFactsSchema }),
]);

export type Manifest = z.infer<typeof manifestSchema>;

/** Bytes stored for a backup: every part it uploaded. */
export function storedBytes(manifest: Manifest): number {
  if (manifest.engine === 'postgres') return manifest.postgres.parts.reduce((sum, part) => sum + part.size, 0);
  return manifest.payload.size;
}

export function parseManifest(text: string, key: string): Manifest {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new ManifestError(`${key} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const result = manifestSchema.safeParse(document);
  if (!result.success) throw new ManifestError(`${key} is invalid:\n${formatIssues(result.error, 'manifest')}`, { cause: result.error });
  return result.data;
}
