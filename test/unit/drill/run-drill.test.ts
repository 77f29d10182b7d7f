import { MemoryNotifier } from '../../../lib/adapters/memory-notifier';
import { parseConfig } from '../../../lib/config/load-config';
import { runDrill, type DrilledOutcome } from '../../../lib/drill/run-drill';
import { restoreDrillFunction } from '../../../lib/lambda/restore-drill-function';
import { hostWorkflowStarter, silentLogger } from '../../helpers/local-workflows';
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

  findSent(request: CommandRequest): Promise<{ commandId: string } | undefined> {
    return this.sender.findSent(request);
  }

  async invocation(commandId: string, hostId: string): Promise<Invocation> {
    return { commandId, hostId, documentName: 'cronsnap-etcd-drill', status: 'InProgress', parameters: {}, stdout: '', stderr: '', targetCount: 1 };
  }
}

describe('runDrill', () => {
  it('records and publishes a drill whose host stays InProgress past its execution timeout', async () => {
    const manifest = etcdManifest();
    const store = new MemoryObjectStore();
    store.objects.set(manifest.payload.key, 'x'.repeat(manifest.payload.size));
    store.objects.set(manifest.payload.key.replace('snapshot.db.zst', 'manifest.json'), JSON.stringify(manifest));
    const notifier = new MemoryNotifier();
    // Ten minutes pass between two looks, as the Wait state's would add up over hours.
    let clock = Date.parse('2026-11-24T00:00:00Z');
    const record = {
      config: parseConfig(configInput([etcdJobInput({ drill: { schedule: '@daily' } })])),
      store,
      notifier,
      bucket: 'backups',
      now: () => new Date((clock += 600_000)),
    };
    const hostWorkflows = hostWorkflowStarter(() => drillFunction);
    const drillFunction = restoreDrillFunction({ drill: { ...record, hostWorkflows }, step: { runner: new HangingRunner(), documentPrefix: 'cronsnap' }, logger: silentLogger() });

    const started = await runDrill({ job: 'prod-etcd', eventId: 'timeout-1', scheduledTime: '2026-11-24T00:00:00Z' }, 'request-1', { ...record, hostWorkflows });

    if (started.kind !== 'started') throw new Error(`expected a started drill, got ${started.kind}`);
    const outcome = started.workflow.output as DrilledOutcome;
    // The etcd job's backup timeout (60 min) doubled is the drill's executionTimeout.
    const reason = expect.stringMatching(/^i-0123456789abcdef0 still InProgress after \d+ min, past its execution timeout of 7200 s$/);
    expect(outcome.result).toMatchObject({ passed: false, reason, backup: { runId: manifest.runId } });
    expect(JSON.parse(store.objects.get(outcome.resultKey) ?? '{}')).toMatchObject({ passed: false, reason });
    expect(notifier.messages).toEqual([{ subject: 'cronsnap: prod-etcd restore drill failed', message: expect.objectContaining({ job: 'prod-etcd', reason }) }]);
  });
});
