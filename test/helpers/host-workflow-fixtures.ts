import type { HostWorkflowInput } from '../../lib/host-workflow/host-workflow';
import type { CommandRequest, CommandRunner, Invocation } from '../../lib/ports/command-runner';
import { mysqlRestoreProgram } from '../../lib/restore/restore-programs';
import { planHostCommand } from '../../lib/host-workflow/run-host-program';
import { MemoryNotifier } from '../../lib/adapters/memory-notifier';
import { parseConfig } from '../../lib/config/load-config';
import { configInput, etcdJobInput } from './config-factory';
import { etcdManifest } from './manifest-factory';
import { MemoryObjectStore, RecordingRunner } from './recording-ports';

export const HOST = 'i-0123456789abcdef0';

/** A host that is InProgress until `finishAt`, then ends with `status` and prints `stdout`. */
export class ScriptedRunner implements CommandRunner {
  private readonly sender = new RecordingRunner([HOST]);
  readonly sent = this.sender.sent;

  constructor(
    private readonly clock: () => number,
    private readonly finishAt: number,
    private readonly end: { status: Invocation['status']; stdout: string } = { status: 'Success', stdout: '' },
  ) {}

  onlineHosts(): Promise<string[]> {
    return this.sender.onlineHosts();
  }

  send(request: CommandRequest): Promise<{ commandId: string }> {
    return this.sender.send(request);
  }

  findSent(request: CommandRequest): Promise<{ commandId: string } | undefined> {
    return this.sender.findSent(request);
  }

  async invocation(commandId: string, hostId: string): Promise<Invocation> {
    const finished = this.clock() >= this.finishAt;
    return { commandId, hostId, documentName: 'cronsnap-mysql-restore', status: finished ? this.end.status : 'InProgress', parameters: {}, stdout: finished ? this.end.stdout : '', stderr: '' };
  }
}

export function plannedRestore(timeoutSeconds = 7200): HostWorkflowInput {
  const parameters = {
    job: 'shop-db',
    bucket: 'cronsnap-backups',
    server: '127.0.0.1:3306',
    user: 'backup',
    passwordParameter: '/cronsnap/shop-db/password',
    databases: 'shop',
    workDir: '/var/tmp',
    payloadKey: 'shop-db/2026/12/01/20261201T020000Z-0123456789/i-0123456789abcdef0/dump.sql.zst',
    payloadSha256: 'a'.repeat(64),
    payloadSize: '1000',
    mysql: 'mysql',
    targetDatabase: '',
    mode: 'apply',
  };
  const command = planHostCommand(mysqlRestoreProgram, HOST, parameters, { comment: 'cronsnap restore shop-db', failure: 'restore of shop-db failed' }, timeoutSeconds);
  return { operation: { kind: 'database-restore', job: 'shop-db', runId: '20261201T020000Z-0123456789', dryRun: false }, commands: [command] };
}

/**
 * What the drill function records with, over a store holding one etcd backup; ten minutes pass
 * between two looks at the clock, as the Wait state's would add up over hours.
 */
export function drillRecordOverOneBackup() {
  const manifest = etcdManifest();
  const store = new MemoryObjectStore();
  store.objects.set(manifest.payload.key, 'x'.repeat(manifest.payload.size));
  store.objects.set(manifest.payload.key.replace('snapshot.db.zst', 'manifest.json'), JSON.stringify(manifest));
  const notifier = new MemoryNotifier();
  let clock = Date.parse('2026-11-24T00:00:00Z');
  const record = { config: parseConfig(configInput([etcdJobInput({ drill: { schedule: '@daily' } })])), store, notifier, bucket: 'backups', now: () => new Date((clock += 600_000)) };
  return { manifest, store, notifier, record };
}
