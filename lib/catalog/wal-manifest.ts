import { cronsnapVersionField } from '../cronsnap-version';
import * as z from 'zod';
import { payloadSchema } from './manifest';
import { parseJsonManifest } from '../validation-issues';
import { isSegmentName } from './wal-segments';

const isoTime = z.iso.datetime();
const segment = z.string().refine(isSegmentName, 'must be a WAL segment name of 24 upper-case hex digits');
const systemIdentifier = z.string().regex(/^[0-9]{1,20}$/, 'must be the decimal system identifier of a cluster');

/** `<job>/wal/<system id>/<segment>.json`, written after the segment's payload: the segment is shipped. */
export const walSegmentManifestSchema = z.object({
  formatVersion: z.literal(1),
  cronsnapVersion: cronsnapVersionField,
  kind: z.literal('postgres-wal-segment'),
  job: z.string(),
  runId: z.string(),
  host: z.string(),
  server: z.string(),
  systemIdentifier,
  serverVersion: z.string(),
  segment,
  /** The segment shipped before this one by the same cluster's runs; empty for the first. */
  previousSegment: z.union([segment, z.literal('')]),
  walSegmentSize: z.number().int().positive(),
  shippedAt: isoTime,
  payload: payloadSchema,
});

/** The manifest of one WAL shipping run, at the run's own prefix. */
export const walRunManifestSchema = z.object({
  formatVersion: z.literal(1),
  cronsnapVersion: cronsnapVersionField,
  kind: z.literal('postgres-wal'),
  job: z.string(),
  runId: z.string(),
  host: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  server: z.string(),
  serverVersion: z.string(),
  systemIdentifier,
  timeline: z.number().int().positive(),
  walSegmentSize: z.number().int().positive(),
  logPrefix: z.string(),
  slot: z.string(),
  /** The slot was missing (or had lost its WAL) and this run created it. */
  slotCreated: z.boolean(),
  /** WAL the slot holds on the server after this run: what piles up there when runs stop. */
  slotRetainedBytes: z.number().int().nonnegative(),
  newestShipped: z.union([segment, z.literal('')]),
  shipped: z.array(segment),
  /** Segments the server dropped before any run shipped them. */
  gap: z.object({ from: segment, to: segment }).nullable(),
});

export type WalSegmentManifest = z.infer<typeof walSegmentManifestSchema>;
export type WalRunManifest = z.infer<typeof walRunManifestSchema>;

export function parseWalSegmentManifest(text: string, key: string): WalSegmentManifest {
  return parseJsonManifest(text, key, walSegmentManifestSchema, 'not a WAL segment manifest');
}

export function parseWalRunManifest(text: string, key: string): WalRunManifest {
  return parseJsonManifest(text, key, walRunManifestSchema, 'not a WAL shipping manifest');
}
