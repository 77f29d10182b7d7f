import { cronsnapVersionField } from '../cronsnap-version';
import * as z from 'zod';
import { payloadSchema } from './manifest';
import { parseJsonManifest } from '../validation-issues';

const isoTime = z.iso.datetime();
const logName = z.string().regex(/^[^/]+\.[0-9]+$/, 'must be a binary log name such as binlog.000042');

/** `<job>/binlogs/<server>/<file>.json`, written after the file's payload: the file is shipped. */
export const binlogManifestSchema = z.object({
  formatVersion: z.literal(1),
  cronsnapVersion: cronsnapVersionField,
  kind: z.literal('mysql-binlog'),
  job: z.string(),
  runId: z.string(),
  host: z.string(),
  server: z.string(),
  serverKey: z.string(),
  serverVersion: z.string(),
  file: logName,
  /** The file shipped before this one by the same server's runs; empty for the first. */
  previousFile: z.string(),
  shippedAt: isoTime,
  payload: payloadSchema,
  events: z.number().int().nonnegative(),
  startPosition: z.number().int().nonnegative(),
  endPosition: z.number().int().nonnegative(),
  /** Times of the file's first and last events (second precision, as the log records them). */
  firstEventAt: isoTime,
  lastEventAt: isoTime,
  /**
   * The GTID state at the file's end (MariaDB's BINLOG_GTID_POS; MySQL's executed set, from the
   * next file's Previous_gtids event), and at its start in the same form: a file continues the one
   * before it when its start is that one's end. Empty where the server has none; manifests of
   * before the start was recorded read as empty.
   */
  gtid: z.string(),
  startGtid: z.string().default(''),
});

/** Why a shipping run began a new chain of its server's logs, and where the chain before it ends. */
const newChainSchema = z.object({
  /** The folder of the chain before it, and its newest shipped file. */
  previousFolder: z.string(),
  previousFile: logName,
  /** The first second after that file's last event: the dumps started since are of the new chain. */
  since: isoTime,
  reason: z.string(),
});

/** The manifest of one shipping run, at the run's own prefix. */
export const binlogRunManifestSchema = z.object({
  formatVersion: z.literal(1),
  cronsnapVersion: cronsnapVersionField,
  kind: z.literal('mysql-binlogs'),
  job: z.string(),
  runId: z.string(),
  host: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  server: z.string(),
  serverKey: z.string(),
  /** `<job>/binlogs/<chain folder>`, where this run shipped. */
  logPrefix: z.string(),
  /** Set when the server's logs did not go on from its newest shipped one (they were reset, or renamed), so this run began a chain. */
  newChain: newChainSchema.nullable().default(null),
  oldestOnServer: z.string(),
  newestShipped: z.string(),
  shipped: z.array(logName),
});

export type BinlogManifest = z.infer<typeof binlogManifestSchema>;
export type BinlogRunManifest = z.infer<typeof binlogRunManifestSchema>;

export function parseBinlogManifest(text: string, key: string): BinlogManifest {
  return parseJsonManifest(text, key, binlogManifestSchema, 'not a binary log manifest');
}

export function parseBinlogRunManifest(text: string, key: string): BinlogRunManifest {
  return parseJsonManifest(text, key, binlogRunManifestSchema, 'not a binary log shipping manifest');
}

/** The sequence number a binary log's name ends with (`binlog.000042` → 42). */
export function logSequence(file: string): number {
  return Number(file.slice(file.lastIndexOf('.') + 1));
}
