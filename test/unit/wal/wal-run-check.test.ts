import { manifestKey, runPrefix, walRunPrefix } from '../../../lib/catalog/object-layout';
import { runStartedAt } from '../../../lib/catalog/run-id';
import { ManifestError } from '../../../lib/errors';
import { checkWalRun } from '../../../lib/wal/wal-run-check';
import { segmentName } from '../../../lib/catalog/wal-segments';
import { physicalManifest, walRunManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';

const MB16 = 16 * 1024 ** 2;
const HOST = 'i-0123456789abcdef2';
const RUN_ID = '20261130T120000Z-0123456789';
const BASE_RUN_ID = '20261130T020000Z-0123456789';
/** The cluster the job's server is now; the newest base backup is of physicalManifest's, 7715021221002976895. */
const NEW_CLUSTER = '7715021221002976000';
const seg = (n: number) => segmentName(1, BigInt(n), MB16);
const run = { job: 'ledger', runId: RUN_ID, host: HOST, runPrefix: walRunPrefix('ledger', RUN_ID, runStartedAt(RUN_ID) ?? new Date(0)) };

/** The bucket after a shipping run on cluster NEW_CLUSTER: the segments earlier runs shipped (`before`), those this run shipped, and a base backup of the cluster before. */
function shippedWorld(before: number[], shipped: number[]): MemoryObjectStore {
  const store = new MemoryObjectStore();
  const base = physicalManifest(BASE_RUN_ID, '2026-11-30T02:10:00Z', '0/1000028', '0/10000F0', HOST);
  store.objects.set(base.payload.key, 'x'.repeat(base.payload.size));
  store.objects.set(manifestKey(runPrefix('ledger', BASE_RUN_ID, runStartedAt(BASE_RUN_ID) ?? new Date(0)), HOST), JSON.stringify(base));
  for (const n of [...before, ...shipped]) store.objects.set(`ledger/wal/${NEW_CLUSTER}/${seg(n)}.json`, '{}');
  const manifest = { ...walRunManifest(RUN_ID, '2026-11-30T12:00:02Z', seg(shipped.at(-1) ?? 0)), systemIdentifier: NEW_CLUSTER, shipped: shipped.map(seg) };
  store.objects.set(manifestKey(run.runPrefix, HOST), JSON.stringify(manifest));
  return store;
}

describe('checkWalRun', () => {
  it('fails a run of a cluster the newest base backup is not of, naming the segment missing since its cluster\'s previous run', async () => {
    const store = shippedWorld([1, 2, 3], [5, 6]);

    const checked = checkWalRun(store, run);

    await expect(checked).rejects.toThrow(ManifestError);
    await expect(checked).rejects.toThrow(
      `WAL segments ${seg(4)} to ${seg(4)} are missing after ${seg(3)}, the newest segment of cluster ${NEW_CLUSTER} shipped before this run: ` +
        'no restore can cross them; a new base backup starts a whole chain',
    );
  });

  it('accepts the first run of a cluster new to the job: its chain starts there', async () => {
    await expect(checkWalRun(shippedWorld([], [5, 6]), run)).resolves.toMatchObject({ manifest: { systemIdentifier: NEW_CLUSTER }, chain: undefined });
  });

  it('accepts a run that goes on from the newest segment its cluster\'s runs shipped', async () => {
    await expect(checkWalRun(shippedWorld([1, 2, 3, 4], [5, 6]), run)).resolves.toMatchObject({ chain: undefined });
  });
});
