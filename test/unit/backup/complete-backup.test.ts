import { S3ServiceException } from '@aws-sdk/client-s3';
import { MemoryNotifier } from '../../../lib/adapters/memory-notifier';
import { completeBackup, type CompleteBackupDeps, type JudgedSuccess } from '../../../lib/backup/complete-backup';
import { completionMarkerKey, runPrefix } from '../../../lib/catalog/object-layout';
import { runStartedAt } from '../../../lib/catalog/run-id';
import { parseConfig } from '../../../lib/config/load-config';
import { CompletionError } from '../../../lib/errors';
import type { Invocation } from '../../../lib/ports/command-runner';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { loadEvent } from '../../helpers/events';
import { MemoryObjectStore, RecordingRunner } from '../../helpers/recording-ports';
import { HOST, runIdAt, storedEtcdBackup } from '../../helpers/stored-backups';

const RUN_ID = '20261123T103000Z-0123456789';
const NOW = new Date('2026-11-23T10:31:00Z');

/** A runner whose one command has finished on HOST as `finished` says. */
class FinishedRunner extends RecordingRunner {
  constructor(private readonly finished: Invocation) {
    super([HOST]);
  }

  override async invocation(): Promise<Invocation> {
    return this.finished;
  }
}

/** The etcd job (keeping 2 runs) with this run and three older ones stored, its command finished with `status`. */
function completionWorld(status: Invocation['status']) {
  const event = loadEvent('ssm-invocation-status-change');
  event.detail.status = status as typeof event.detail.status;
  const store = new MemoryObjectStore();
  for (const runId of [RUN_ID, runIdAt(NOW, 24), runIdAt(NOW, 48), runIdAt(NOW, 72)]) {
    for (const [key, body] of storedEtcdBackup(runId)) store.objects.set(key, body);
  }
  const invocation: Invocation = {
    commandId: event.detail['command-id'],
    hostId: HOST,
    documentName: 'cronsnap-etcd-backup',
    status,
    parameters: { job: 'prod-etcd', runId: RUN_ID, runPrefix: runPrefix('prod-etcd', RUN_ID, runStartedAt(RUN_ID) ?? NOW) },
    stdout: '',
    stderr: 'cronsnap: FAILED step=snapshot: etcdctl snapshot save timed out\n',
    stepName: 'cronsnap-etcd-backup',
  };
  const counted: JudgedSuccess[] = [];
  const deps: CompleteBackupDeps = {
    config: parseConfig(configInput([etcdJobInput({ retention: { keepLast: 2 } })])),
    runner: new FinishedRunner(invocation),
    store,
    notifier: new MemoryNotifier(),
    now: () => NOW,
    onSucceeded: (success) => counted.push(success),
    commandLog: { region: 'eu-central-1', name: '/cronsnap/Cronsnap/commands' },
  };
  return { event, store, deps, counted };
}

const slowDown = () => new S3ServiceException({ name: 'SlowDown', message: 'Please reduce your request rate.', $fault: 'server', $metadata: { httpStatusCode: 503 } });

describe('completeBackup', () => {
  it('judges, counts and prunes on the retry a run whose first judging was throttled', async () => {
    const { event, store, deps, counted } = completionWorld('Success');
    jest.spyOn(store, 'getText').mockRejectedValueOnce(slowDown());

    await expect(completeBackup(event, deps)).rejects.toThrow('Please reduce your request rate.');
    expect(store.objects.has(completionMarkerKey(event.detail['command-id'], HOST))).toBe(false);
    const retried = await completeBackup(event, deps);

    expect(retried).toMatchObject({ kind: 'succeeded', job: 'prod-etcd', runId: RUN_ID, retention: { kind: 'pruned' } });
    expect(counted.map((success) => success.runId)).toEqual([RUN_ID]);
    expect(store.deletions.flat()).toEqual(expect.arrayContaining([expect.stringContaining(runIdAt(NOW, 72))]));
    expect((deps.notifier as MemoryNotifier).messages).toEqual([]);
  });

  it('acts on a redelivered completion once', async () => {
    const { event, deps, counted } = completionWorld('Success');

    await completeBackup(event, deps);
    const again = await completeBackup(event, deps);

    expect(again).toEqual({ kind: 'duplicate', commandId: event.detail['command-id'], host: HOST });
    expect(counted).toHaveLength(1);
  });

  it('keeps the first error as the cause when the notice of a claimed completion cannot be published either', async () => {
    const { event, deps } = completionWorld('Failed');
    const first = new Error('Throttling: Rate exceeded');
    jest.spyOn(deps.notifier, 'publish').mockRejectedValueOnce(first).mockRejectedValueOnce(new Error('KMS.ThrottlingException'));

    const thrown = await completeBackup(event, deps).catch((error: unknown) => error);

    expect(thrown).toBeInstanceOf(CompletionError);
    expect((thrown as CompletionError).cause).toBe(first);
    expect((thrown as CompletionError).message).toBe(
      'handling the run, judged failed, failed: Throttling: Rate exceeded; and its notice could not be published: KMS.ThrottlingException',
    );
  });

  it("reports on the topic a claimed completion whose failure could not be reported, linking the run's output, and throws its error", async () => {
    const { event, deps } = completionWorld('Failed');
    const notifier = deps.notifier as MemoryNotifier;
    jest.spyOn(notifier, 'publish').mockRejectedValueOnce(new Error('Throttling: Rate exceeded'));

    await expect(completeBackup(event, deps)).rejects.toThrow('Throttling: Rate exceeded');

    expect(notifier.messages).toEqual([
      {
        subject: `cronsnap: prod-etcd run on ${HOST} could not be handled`,
        message: expect.objectContaining({
          runId: RUN_ID,
          reason: 'handling the run, judged failed, failed: Throttling: Rate exceeded',
          output: {
            stdout: expect.stringMatching(new RegExp(`#logsV2:log-groups/log-group/\\$252Fcronsnap\\$252FCronsnap\\$252Fcommands/log-events/${event.detail['command-id']}\\$252F${HOST}\\$252Fcronsnap-etcd-backup\\$252Fstdout$`)),
            stderr: expect.stringMatching(/\$252Fstderr$/),
          },
        }),
      },
    ]);
  });
});
