import { binlogRunPrefix, manifestKey } from '../../../lib/catalog/object-layout';
import { runStartedAt } from '../../../lib/catalog/run-id';
import { checkBinlogRun } from '../../../lib/binlogs/binlog-run-check';
import { ManifestError } from '../../../lib/errors';
import { binlogManifest, binlogRunManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';
import { HOST, storedMysqlDump } from '../../helpers/stored-backups';

const RUN_ID = '20261130T120000Z-0123456789';
const DUMP_RUN_ID = '20261130T020000Z-0123456789';
const log = (sequence: number) => `binlog.${String(sequence).padStart(6, '0')}`;
const run = { job: 'orders', runId: RUN_ID, host: HOST, runPrefix: binlogRunPrefix('orders', RUN_ID, runStartedAt(RUN_ID) ?? new Date(0)) };

/**
 * The bucket after a shipping run on folder `serverKey`: the logs earlier runs shipped (`before`),
 * those this run shipped, its manifest (the server's oldest log was `oldest`), and the dump's objects.
 */
function shippedWorld(serverKey: string, before: number[], shipped: number[], oldest: number, dump: Map<string, string>): MemoryObjectStore {
  const store = new MemoryObjectStore();
  for (const [key, body] of dump) store.objects.set(key, body);
  for (const sequence of [...before, ...shipped]) {
    store.objects.set(`orders/binlogs/${serverKey}/${log(sequence)}.json`, JSON.stringify(binlogManifest(sequence, '2026-11-30T03:00:00Z', '2026-11-30T04:00:00Z', { serverKey })));
  }
  store.objects.set(manifestKey(run.runPrefix, HOST), JSON.stringify(binlogRunManifest(RUN_ID, shipped.map(log), log(oldest), serverKey)));
  return store;
}

/** A dump of server-2 whose manifest records no binary log coordinates. */
function dumpWithoutCoordinates(): Map<string, string> {
  const dump = storedMysqlDump(DUMP_RUN_ID, log(2), 'server-2');
  for (const [key, body] of dump) {
    if (!key.endsWith('/manifest.json')) continue;
    const manifest = JSON.parse(body);
    dump.set(key, JSON.stringify({ ...manifest, mysql: { ...manifest.mysql, binlogPosition: null } }));
  }
  return dump;
}

const PURGED_4_AND_5 =
  'binary logs binlog.000004 to binlog.000005 of db:3306 were purged on the server before any run shipped them: the newest shipped before this run is binlog.000003, ' +
  "and the server's oldest log was binlog.000006; restores of dumps taken before them reach no further than the end of binlog.000003, and a new dump starts a whole chain";

describe('checkBinlogRun', () => {
  it.each([
    ['was taken on another server (a failover)', () => storedMysqlDump(DUMP_RUN_ID, log(2), 'server-1')],
    ['has no binary log coordinates', dumpWithoutCoordinates],
  ])('fails a run whose server purged logs before they were shipped, naming them, when the newest dump %s', async (_, dump) => {
    const store = shippedWorld('server-2', [2, 3], [6, 7], 6, dump());

    const checked = checkBinlogRun(store, run);

    await expect(checked).rejects.toThrow(ManifestError);
    await expect(checked).rejects.toThrow(PURGED_4_AND_5);
  });

  it('fails a run whose server purged logs older than the newest dump\'s file, which cuts short the restores of the dumps before it', async () => {
    const store = shippedWorld('server-2', [2, 3], [6, 7], 6, storedMysqlDump(DUMP_RUN_ID, log(6), 'server-2'));

    await expect(checkBinlogRun(store, run)).rejects.toThrow(PURGED_4_AND_5);
  });

  it('accepts the first run of a server new to the job (after a failover): its chain starts there', async () => {
    const store = shippedWorld('server-2', [], [6, 7], 6, storedMysqlDump(DUMP_RUN_ID, log(2), 'server-1'));

    await expect(checkBinlogRun(store, run)).resolves.toMatchObject({ manifest: { serverKey: 'server-2', shipped: [log(6), log(7)] }, chain: undefined });
  });

  it('accepts a run that goes on from the newest log its server\'s runs shipped', async () => {
    const store = shippedWorld('server-2', [2, 3, 4, 5], [6, 7], 3, storedMysqlDump(DUMP_RUN_ID, log(2), 'server-1'));

    await expect(checkBinlogRun(store, run)).resolves.toMatchObject({ chain: undefined });
  });

  it('checks the newest dump against its own chain\'s folder once the server\'s logs were reset, never the same-named logs before', async () => {
    const chain = 'server-1.chain-20261123T100001Z';
    // The first chain holds 1 to 10; the reset's logs begin again at 1 in their own folder, where this run shipped 1 to 3.
    const store = shippedWorld('server-1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [], 1, storedMysqlDump(DUMP_RUN_ID, log(2), 'server-1'));
    for (const sequence of [1, 2, 3]) {
      store.objects.set(`orders/binlogs/${chain}/${log(sequence)}.json`, JSON.stringify(binlogManifest(sequence, '2026-11-23T10:10:00Z', '2026-11-23T10:40:00Z')));
    }
    const newChain = { previousFolder: 'server-1', previousFile: log(10), since: '2026-11-23T10:00:01Z', reason: 'the server\'s newest binary log is binlog.000004, older than binlog.000010 shipped last: its binary logs were reset' };
    store.objects.set(manifestKey(run.runPrefix, HOST), JSON.stringify({ ...binlogRunManifest(RUN_ID, [log(1), log(2), log(3)], log(1)), logPrefix: `orders/binlogs/${chain}`, newChain }));

    const checked = await checkBinlogRun(store, run);

    // The dump started at 10:30:02, after the chain began.
    expect(checked).toMatchObject({ manifest: { newChain }, chain: { kind: 'complete', files: [log(2), log(3)] } });
  });
});
