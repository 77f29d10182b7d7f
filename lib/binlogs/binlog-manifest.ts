import * as z from 'zod';
import { payloadSchema } from '../backup/manifest';
import { parseJsonManifest } from '../validation-issues';

const isoTime = z.iso.datetime();
const logName = z.string().regex(/^[^/]+\.[0-9]+$/, 'must be a binary log name such as binlog.000042');

/** `<job>/binlogs/<server>/<file>.json`, written after the file's payload: the file is shipped. */
export const binlogManifestSchema = z.object({
  formatVersion: z.literal(1),
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
  /** MariaDB's GTID position at the file's end; empty where the server does not map it. */
  gtid: z.string(),
});

/** The manifest of one shipping run, at the run's own prefix. */
export const binlogRunManifestSchema = z.object({
  formatVersion: z.literal(1),
  kind: z.literal('mysql-binlogs'),
  job: z.string(),
  runId: z.string(),
  host: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  server: z.string(),
  serverKey: z.string(),
  logPrefix: z.string(),
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
