import { runDrill, type DrilledOutcome } from '../../../lib/drill/run-drill';
import { restoreDrillFunction } from '../../../lib/lambda/restore-drill-function';
import { drillRecordOverOneBackup, ScriptedRunner } from '../../helpers/host-workflow-fixtures';
import { hostWorkflowStarter, silentLogger } from '../../helpers/local-workflows';

describe('runDrill', () => {
  it("records and publishes a drill whose host stays InProgress past its execution timeout, linking the host's output", async () => {
    const { manifest, store, notifier, record: recordWithoutLog } = drillRecordOverOneBackup();
    const record = { ...recordWithoutLog, commandLog: { region: 'eu-central-1', name: '/cronsnap/Cronsnap/commands' } };
    const workflows = hostWorkflowStarter(() => drillFunction);
    const { hostWorkflows } = workflows;
    const runner = new ScriptedRunner(() => 0, Infinity);
    const drillFunction = restoreDrillFunction({ drill: { ...record, hostWorkflows }, step: { runner, documentPrefix: 'cronsnap' }, logger: silentLogger() });

    const started = await runDrill({ job: 'prod-etcd', eventId: 'timeout-1', scheduledTime: '2026-11-24T00:00:00Z' }, 'request-1', { ...record, hostWorkflows });

    if (started.kind !== 'started') throw new Error(`expected a started drill, got ${started.kind}`);
    const outcome = (await workflows.outputOf(started.workflow)) as DrilledOutcome;
    // The etcd job's backup timeout (60 min) doubled is the drill's executionTimeout.
    const reason = expect.stringMatching(/^i-0123456789abcdef0 still InProgress after \d+ min, past its execution timeout of 7200 s$/);
    expect(outcome.result).toMatchObject({ passed: false, reason, backup: { runId: manifest.runId } });
    expect(JSON.parse(store.objects.get(outcome.resultKey) ?? '{}')).toMatchObject({ passed: false, reason });
    // The recording runner names its commands in order: the drill sent one.
    expect(runner.sent).toHaveLength(1);
    const commandId = 'cmd-1';
    const stream = (which: string) => expect.stringMatching(new RegExp(`log-group/\\$252Fcronsnap\\$252FCronsnap\\$252Fcommands/log-events/${commandId}\\$252Fi-0123456789abcdef0\\$252Fcronsnap-etcd-drill\\$252F${which}$`));
    expect(notifier.messages).toEqual([
      {
        subject: 'cronsnap: prod-etcd restore drill failed',
        message: expect.objectContaining({ job: 'prod-etcd', reason, outputs: [{ host: 'i-0123456789abcdef0', commandId, output: { stdout: stream('stdout'), stderr: stream('stderr') } }] }),
      },
    ]);
  });
});
