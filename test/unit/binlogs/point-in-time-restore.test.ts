import { choosePointInTime } from '../../../lib/binlogs/point-in-time-restore';
import { RestoreRefusedError } from '../../../lib/errors';
import { binlogManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';
import { storedMysqlDump } from '../../helpers/stored-backups';

const at = (time: string) => `2026-11-23T${time}Z`;

/** Job `orders` dumped at 10:30 (finished 10:31:12, its data ending in binlog.000010), and logs 10 to 12 shipped after it. */
function world(): MemoryObjectStore {
  const store = new MemoryObjectStore();
  for (const [key, body] of storedMysqlDump('20261123T103000Z-0123456789', 'binlog.000010')) store.objects.set(key, body);
  for (const log of [binlogManifest(10, at('10:30:00'), at('10:45:00')), binlogManifest(11, at('10:45:00'), at('11:00:00')), binlogManifest(12, at('11:00:00'), at('11:15:00'))]) {
    store.objects.set(log.payload.key, 'x'.repeat(log.payload.size));
    store.objects.set(log.payload.key.replace(/\.zst$/, '.json'), JSON.stringify(log));
  }
  return store;
}

describe('choosePointInTime', () => {
  it('replays the logs shipped after the dump up to the one that reaches the time', async () => {
    const { replay } = await choosePointInTime(world(), 'orders', new Date(at('11:05:00')));
    expect(replay.logs.map((log) => log.file)).toEqual(['binlog.000010', 'binlog.000011', 'binlog.000012']);
  });

  it('refuses when the plan is made a replay through a log whose payload is gone, naming it', async () => {
    const store = world();
    store.objects.delete('orders/binlogs/server-1/binlog.000011.zst');

    const refused = choosePointInTime(store, 'orders', new Date(at('11:05:00')));

    await expect(refused).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(refused).rejects.toThrow(
      'job orders: the newest dump before 2026-11-23T11:05:00Z is run 20261123T103000Z-0123456789, and the binary logs shipped after it reach 2026-11-23T10:45:00Z ' +
        '(binary log binlog.000011 is missing from the shipped logs between binlog.000010 and binlog.000012): restores can reach 2026-11-23T10:31:12Z to 2026-11-23T10:45:00Z',
    );
  });

  it("replays a dump taken after the server's logs were reset from its own chain's folder, whose names the logs before it also bear", async () => {
    const store = new MemoryObjectStore();
    for (const [key, body] of storedMysqlDump('20261123T103000Z-0123456789', 'binlog.000010')) store.objects.set(key, body);
    const chain = 'server-1.chain-20261123T100001Z';
    // The first chain's 10 to 12 end at 10:00:00; the reset's logs came to the same numbers by the dump at 10:30.
    const before = [binlogManifest(10, at('09:00:00'), at('09:20:00')), binlogManifest(11, at('09:20:00'), at('09:40:00')), binlogManifest(12, at('09:40:00'), at('10:00:00'))];
    const after = [binlogManifest(10, at('10:30:00'), at('10:45:00')), binlogManifest(11, at('10:45:00'), at('11:00:00')), binlogManifest(12, at('11:00:00'), at('11:15:00'))].map((log) => ({
      ...log,
      payload: { ...log.payload, key: `orders/binlogs/${chain}/${log.file}.zst` },
    }));
    for (const log of [...before, ...after]) {
      store.objects.set(log.payload.key, 'x'.repeat(log.payload.size));
      store.objects.set(log.payload.key.replace(/\.zst$/, '.json'), JSON.stringify(log));
    }

    const { replay } = await choosePointInTime(store, 'orders', new Date(at('11:05:00')));

    expect(replay.prefix).toBe(`orders/binlogs/${chain}`);
    expect(replay.logs.map((log) => log.payload.key)).toEqual(after.map((log) => log.payload.key));
  });
});
