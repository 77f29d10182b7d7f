import { cronsnapVersionField } from '../cronsnap-version';
import * as z from 'zod';
import { parseJsonManifest } from '../validation-issues';

export const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');
const isoTime = z.iso.datetime();

export const payloadSchema = z.object({
  key: z.string().min(1),
  size: z.number().int().nonnegative().describe('bytes as uploaded (compressed)'),
  sha256: sha256.describe('of the object as uploaded'),
  rawSize: z.number().int().nonnegative(),
  rawSha256: sha256.describe('of the data before compression'),
  compression: z.literal('zstd'),
  /** What the aws CLI was told to expect (--expected-size), for its part size: the job's maxPayloadGiB or an estimate from the data. */
  expectedSize: z.number().int().positive().nullable().optional(),
});

const etcdFactsSchema = z.object({
  /** `cold-copy`: the payload is a tar of the stopped member's `member/` dir, restored with --skip-hash-check. */
  mode: z.enum(['snapshot', 'cold-copy']).default('snapshot'),
  endpoint: z.string(),
  revision: z.number().int().nonnegative(),
  hash: z.number().int().nonnegative(),
  totalKeys: z.number().int().nonnegative().describe("snapshot status' totalKey: every revision in every bucket"),
  /** Live keys at `revision`, as a restore drill must find them; null when compacted away, absent before drills. */
  keyCount: z.number().int().nonnegative().nullable().optional(),
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
  /** Each member's config set taken in the same run, where its manifest is. */
  memberConfig: z.array(z.object({ host: z.string(), manifestKey: z.string() })).default([]),
});

/** Rows per table as dumped, `{database: {table: rows}}`, for restore drills; absent when not recorded. */
const rowCountsSchema = z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())).nullable().optional();

const common = {
  formatVersion: z.literal(1),
  cronsnapVersion: cronsnapVersionField,
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
  /** The folder of the server's shipped binary logs (`<job>/binlogs/<binlogServer>/`); empty with log_bin off, absent before shipping. */
  binlogServer: z.string().optional(),
  /** What MaxScale reported when it chose the server: the tool asked and its server list. */
  maxscale: z.object({ tool: z.enum(['maxctrl', 'maxadmin']), listing: z.string() }).nullable().optional(),
  /** Counted over the dump stream itself, so they are the rows the payload holds. */
  rowCounts: rowCountsSchema,
});

/** A PostgreSQL WAL position as the server writes it, e.g. 0/3000028. */
const lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/, 'must be a WAL position such as 0/3000028');

const postgresFactsSchema = z.object({
  server: z.string(),
  serverVersion: z.string(),
  mode: z.enum(['per-database', 'dumpall', 'physical']),
  databases: z.array(z.string()),
  /** Every uploaded object: globals and one custom-format dump per database, one dumpall, or one base backup tar. */
  parts: z.array(payloadSchema.extend({ name: z.string(), kind: z.enum(['globals', 'database', 'dumpall', 'base-backup']) })).min(1),
  /** Counted in the snapshot each database's pg_dump was given (`--snapshot`), tables as `schema.table`. */
  rowCounts: rowCountsSchema,
  /** A physical base backup's place in the WAL: a restore replays from walStart and is consistent from walEnd on. */
  physical: z
    .object({
      systemIdentifier: z.string().regex(/^[0-9]+$/),
      timeline: z.number().int().positive(),
      walStart: lsn,
      walEnd: lsn,
      walSegmentSize: z.number().int().positive(),
      /** The replication slot that holds the job's WAL; created by this run when slotCreated. */
      slot: z.string(),
      slotCreated: z.boolean(),
    })
    .optional(),
});

const listedFileSchema = z.object({
  path: z.string().min(2),
  size: z.number().int().nonnegative(),
  mode: z.string().regex(/^[0-7]{3,6}$/),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  mtime: z.number().int(),
  sha256,
});

const filesFactsSchema = z.object({
  /** Empty for a files job; `member-config` for an etcd member's linked set. */
  setName: z.string(),
  paths: z.array(z.object({ path: z.string(), required: z.boolean(), present: z.boolean() })).min(1),
  fileCount: z.number().int().nonnegative(),
  packages: z.union([
    z.object({ manager: z.literal('none') }),
    z.object({ manager: z.enum(['dpkg', 'rpm']), count: z.number().int().nonnegative(), payload: payloadSchema }),
  ]),
  /** Every regular file in the archive, hashed from the archive stream itself. */
  listing: z.array(listedFileSchema),
});

export const manifestSchema = z.discriminatedUnion('engine', [
  z.object({ ...common, engine: z.literal('etcd'), etcd: etcdFactsSchema }),
  z.object({ ...common, engine: z.literal('mysql'), mysql: mysqlFactsSchema }),
  z.object({ ...common, engine: z.literal('postgres'), postgres: postgresFactsSchema }),
  z.object({ ...common, engine: z.literal('files'), files: filesFactsSchema }),
]);

export type Manifest = z.infer<typeof manifestSchema>;
export type FilesManifest = Extract<Manifest, { engine: 'files' }>;
export type ListedFile = z.infer<typeof listedFileSchema>;

/** Every object a backup uploaded besides its manifest, with the size the manifest promises. */
export function storedParts(manifest: Manifest): { key: string; size: number; sha256: string }[] {
  const part = ({ key, size, sha256: hash }: z.infer<typeof payloadSchema>) => ({ key, size, sha256: hash });
  if (manifest.engine === 'postgres') return manifest.postgres.parts.map(part);
  if (manifest.engine === 'files' && manifest.files.packages.manager !== 'none') return [part(manifest.payload), part(manifest.files.packages.payload)];
  return [part(manifest.payload)];
}

/** Bytes stored for a backup: every part it uploaded. */
export function storedBytes(manifest: Manifest): number {
  return storedParts(manifest).reduce((sum, part) => sum + part.size, 0);
}

export function parseManifest(text: string, key: string): Manifest {
  return parseJsonManifest(text, key, manifestSchema, 'invalid');
}
