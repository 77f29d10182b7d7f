import { parseManifest } from '../backup/manifest';
import { binlogRoot } from '../backup/object-layout';
import { binlogChain } from '../binlogs/binlog-chain';
import { parseBinlogManifest } from '../binlogs/binlog-manifest';
import { baseDumpOf, recoverableSpan, windowGaps, type BaseDump, type RecoverableSpan, type WindowGap } from '../binlogs/point-in-time';
import { ManifestError } from '../errors';
import { inBatches } from '../in-batches';
import type { ObjectStore } from '../ports/object-store';
import type { BinlogTally } from './inventory-tally';

/** Manifests read at once. */
const READ_CONCURRENCY = 16;

/** What the report says about the restores to a time a job's dumps and shipped logs allow. */
export interface PointInTimeStatus {
  /** One span per dump followed by its logs, oldest first. */
  readonly window: readonly RecoverableSpan[];
  readonly gaps: readonly WindowGap[];
  /** Logs missing from the chain after a kept dump (purged on the server before they were shipped). */
  readonly missing: readonly string[];
  /** When the newest log manifest was stored, ms; 0 when none is. */
  readonly newestShippedAt: number;
  /** Manifests that could not be read, with the reason: their dumps or logs count for nothing. */
  readonly unreadable: readonly string[];
}

/**
 * The window of one job from the inventory's tally: the log chains come from the key names, so
 * only each complete dump's manifest (for its coordinates) and the last log of each chain (for
 * its last event) are read, not every shipped log's manifest.
 */
export async function readPointInTimeStatus(job: string, binlogs: BinlogTally, store: ObjectStore): Promise<PointInTimeStatus> {
  const unreadable: string[] = [];
  const dumps = (
    await inBatches([...binlogs.dumpManifests.values()], READ_CONCURRENCY, async (key): Promise<BaseDump | undefined> => {
      try {
        return baseDumpOf(parseManifest((await store.getText(key)) ?? '', key));
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        unreadable.push(error.message);
        return undefined;
      }
    })
  ).flatMap((dump) => dump ?? []);

  const shipped = new Map<string, string[]>();
  let newestShippedAt = 0;
  for (const [server, logs] of binlogs.servers) {
    const complete = [...logs].filter(([, log]) => log.payload && log.manifestAt > 0);
    shipped.set(server, complete.map(([file]) => file));
    for (const [, log] of complete) newestShippedAt = Math.max(newestShippedAt, log.manifestAt);
  }

  const missing = new Set<string>();
  const chainEnds = dumps.map((dump) => {
    const chain = binlogChain(dump, shipped.get(dump.serverKey) ?? []);
    if (chain.kind === 'broken') for (const file of chain.missing) missing.add(file);
    const last = chain.files.at(-1);
    return last === undefined ? undefined : `${binlogRoot(job)}${dump.serverKey}/${last}.json`;
  });
  const endKeys = [...new Set(chainEnds.flatMap((key) => key ?? []))];
  const lastEvents = new Map(
    await inBatches(endKeys, READ_CONCURRENCY, async (key) => {
      try {
        return [key, parseBinlogManifest((await store.getText(key)) ?? '', key).lastEventAt] as const;
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        unreadable.push(error.message);
        return [key, undefined] as const;
      }
    }),
  );
  const window = dumps
    .flatMap((dump, index) => {
      const end = chainEnds[index];
      return recoverableSpan(dump, end === undefined ? undefined : lastEvents.get(end)) ?? [];
    })
    .sort((a, b) => a.from.localeCompare(b.from));
  return { window, gaps: windowGaps(window), missing: [...missing].sort(), newestShippedAt, unreadable };
}
