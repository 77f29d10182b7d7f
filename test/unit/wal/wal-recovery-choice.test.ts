import { manifestKey, runMarkerKey, runPrefix, walRunPrefix } from '../../../lib/catalog/object-layout';
import { runIdFor } from '../../../lib/catalog/run-id';
import { chooseWalRecovery } from '../../../lib/wal/wal-recovery-choice';
import { segmentName } from '../../../lib/catalog/wal-segments';
import { physicalManifest, walRunManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';

const HOST = 'i-0123456789abcdef2';
const CLUSTER = '7715021221002976895';
const MB16 = 16 * 1024 ** 2;
const at = (time: string) => `2026-11-30T${time}Z`;
const seg = (n: number) => segmentName(1, BigInt(n), MB16);
/** The LSN `offset` bytes into segment `n`. */
const lsn = (n: number, offset = 0) => `0/${(n * MB16 + offset).toString(16).toUpperCase()}`;

/**
 * Job `ledger`: a base backup of 01:00 (finished 01:01:00, its WAL in segment 2), segments 2 to 12
 * shipped, and a shipping run scheduled every quarter hour from 02:00, each started 5 seconds and
 * finished 20 seconds after its time, shipping two segments more than the one before.
 */
function world(): MemoryObjectStore {
  const store = new MemoryObjectStore();
  const scheduled = new Date(at('01:00:00'));
  const runId = runIdFor('base', scheduled);
  const manifest = physicalManifest(runId, at('01:01:00'), lsn(2, 0x28), lsn(2, 0x100), HOST);
  store.objects.set(manifest.payload.key, 'x'.repeat(manifest.payload.size));
  store.objects.set(manifestKey(runPrefix('ledger', runId, scheduled), HOST), JSON.stringify(manifest));
  store.objects.set(runMarkerKey('ledger', runId), JSON.stringify({ job: 'ledger', runId }));
  for (let n = 2; n <= 12; n++) {
    store.objects.set(`ledger/wal/${CLUSTER}/${seg(n)}.zst`, 'x'.repeat(100));
    store.objects.set(`ledger/wal/${CLUSTER}/${seg(n)}.json`, '{}');
  }
  for (const [index, time] of ['02:00', '02:15', '02:30', '02:45', '03:00'].entries()) {
    const runTime = new Date(at(`${time}:00`));
    const id = runIdFor(`wal-${time}`, runTime);
    const run = { ...walRunManifest(id, at(`${time}:05`), seg(4 + 2 * index)), finishedAt: at(`${time}:20`) };
    store.objects.set(`${walRunPrefix('ledger', id, runTime)}/${HOST}/manifest.json`, JSON.stringify(run));
  }
  return store;
}

describe('chooseWalRecovery', () => {
  it('ends a recovery to a time with the run scheduled before it that started after it', async () => {
    const { plan } = await chooseWalRecovery(world(), 'ledger', { toTime: new Date(at('02:00:02')) });
    expect(plan).toMatchObject({ first: seg(2), last: seg(4), searchFrom: seg(2), toTime: at('02:00:02') });
  });

  it('searches for its last segment past those of the runs that had finished by the time', async () => {
    const { plan } = await chooseWalRecovery(world(), 'ledger', { toTime: new Date(at('02:20:00')) });
    expect(plan).toMatchObject({ first: seg(2), last: seg(8), searchFrom: seg(7), segments: 7, bytes: 700 });
  });
});
