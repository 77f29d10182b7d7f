import { MemoryNotifier } from '../../../lib/adapters/memory-notifier';
import { parseConfig } from '../../../lib/config/load-config';
import { runDrill } from '../../../lib/drill/run-drill';
import type { CommandRequest, CommandRunner, Invocation } from '../../../lib/ports/command-runner';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { etcdManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore, RecordingRunner } from '../../helpers/recording-ports';

/** A host that takes the drill and never finishes it, as one whose disk hangs would. */
class HangingRunner implements CommandRunner {
  private readonly sender = new RecordingRunner([]);

  async onlineHosts(): Promise<string[]> {
    return [];
  }

  send(request: CommandRequest): Promise<{ commandId: string }> {
    return this.sender.send(request);
  }

  async invocation(commandId: string, hostId: string): Promise<Invocation> {
    return { commandId, hostId, documentName: 'cronsnap-etcd-drill', status: 'InProgress', parameters: {}, stdout: '', stderr: '', targetCount: 1 };
  }
}

describe('runDrill', () => {
  it('records and publishes a drill whose host does not finish in time', async () => {
    const manifest = etcdManifest();
    const store = new MemoryObjectStore();
    store.objects.set(manifest.payload.key, 'x'.repeat(manifest.payload.size));
    store.objects.set(manifest.payload.key.replace('snapshot.db.zst', 'manifest.json'), JSON.stringify(manifest));
    const notifier = new MemoryNotifier();
    const deps = {
      config: parseConfig(configInput([etcdJobInput({ drill: { schedule: '@daily' } })])),
      store,
      notifier,
      bucket: 'backups',
      now: () => new Date('2026-11-24T00:00:00Z'),
      runner: new HangingRunner(),
      documentPrefix: 'cronsnap',
      timeoutMs: 40,
      pollMs: 5,
    };

    const outcome = await runDrill({ job: 'prod-etcd', eventId: 'timeout-1', scheduledTime: '2026-11-24T00:00:00Z' }, 'request-1', deps);

    if (outcome.kind !== 'drilled') throw new Error(`expected a drill, got ${outcome.kind}`);
    const reason = expect.stringMatching(/^the drill did not finish: command cmd-1 on i-0123456789abcdef0 still InProgress after 40 ms$/);
    expect(outcome.result).toMatchObject({ passed: false, reason, backup: { runId: manifest.runId } });
    expect(JSON.parse(store.objects.get(outcome.resultKey) ?? '{}')).toMatchObject({ passed: false, reason });
    expect(notifier.messages).toEqual([{ subject: 'cronsnap: prod-etcd restore drill failed', message: expect.objectContaining({ job: 'prod-etcd', reason }) }]);
  });
});
