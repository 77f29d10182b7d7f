import { ManifestError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { manifestKey } from './object-layout';

/** A log shipping run as its completion names it. */
export interface ShippingRun {
  readonly job: string;
  readonly runId: string;
  readonly host: string;
  readonly runPrefix: string;
}

/**
 * The manifest a shipping run that succeeded on its host wrote at its own prefix, parsed by
 * `parse`; a ManifestError when it is missing or names another run, so the run is reported failed.
 */
export async function readShippingRunManifest<M extends { readonly job: string; readonly runId: string; readonly host: string }>(
  store: ObjectStore,
  run: ShippingRun,
  parse: (text: string, key: string) => M,
): Promise<M> {
  const key = manifestKey(run.runPrefix, run.host);
  const text = await store.getText(key);
  if (text === undefined) throw new ManifestError(`the command succeeded but ${key} is missing`);
  const manifest = parse(text, key);
  if (manifest.job !== run.job || manifest.runId !== run.runId || manifest.host !== run.host) {
    throw new ManifestError(`${key} names job ${manifest.job}, run ${manifest.runId}, host ${manifest.host}: not this run`);
  }
  return manifest;
}

/**
 * The newest log of a server's `folder` older than the first one a run shipped (`ran`), in the
 * order `compare` gives: where that run went on from, whichever run had shipped it. Undefined when
 * the run shipped nothing, or began the folder: a server new to the job (after a failover, say)
 * starts a chain of its own.
 */
export function shippedBeforeRun(folder: readonly string[], ran: readonly string[], compare: (a: string, b: string) => number): string | undefined {
  const [first] = [...ran].sort(compare);
  if (first === undefined) return undefined;
  return folder.filter((name) => compare(name, first) < 0).sort(compare).at(-1);
}
