import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { MemoryNotifier } from '../../../lib/adapters/memory-notifier';
import { S3ObjectStore } from '../../../lib/adapters/s3-object-store';
import { SsmCommandRunner } from '../../../lib/adapters/ssm-command-runner';
import { completeBackup } from '../../../lib/backup/complete-backup';
import { startBackup } from '../../../lib/backup/start-backup';
import { parseConfig } from '../../../lib/config/load-config';
import { configInput, filesJobInput } from '../../helpers/config-factory';
import { loadEvent } from '../../helpers/events';

const ssm = strictMockClient(SSMClient);
const s3 = strictMockClient(S3Client);
const sns = strictMockClient(SNSClient);
const FLEET = Array.from({ length: 500 }, (_, i) => `i-0${i.toString(16).padStart(16, '0')}`);
const RUN_ID = '20261124T010000Z-0123456789';
const PREFIX = `fleet-files/2026/11/24/${RUN_ID}`;
const config = parseConfig(configInput([filesJobInput({ name: 'fleet-files', targets: { tags: { 'cronsnap:role': ['node'] } }, rollout: { maxConcurrency: '10%', maxErrors: '5%' } } as never)]));

/** A files manifest for one host of the fleet's run, as the host script writes it. */
function manifestOf(host: string): string {
  const payload = { key: `${PREFIX}/${host}/files.tar.zst`, size: 10, sha256: 'a'.repeat(64), rawSize: 20, rawSha256: 'b'.repeat(64), compression: 'zstd' };
  return JSON.stringify({
    formatVersion: 1,
    job: 'fleet-files',
    engine: 'files',
    runId: RUN_ID,
    host,
    startedAt: '2026-11-24T01:00:02Z',
    finishedAt: '2026-11-24T01:00:09Z',
    payload,
    tools: { tar: '1.34', zstd: '1.5.4' },
    files: { setName: '', paths: [{ path: '/etc', required: false, present: true }], fileCount: 1, packages: { manager: 'none' }, listing: [] },
  });
}

describe('a fleet of 500 hosts', () => {
  beforeEach(() => {
    ssm.reset();
    s3.reset();
    sns.reset();
  });

  it('is started with one inventory page and one SendCommand by tag, whatever its size', async () => {
    // SSM would page through all 500 in tens; the start asks for one short page only.
    ssm.on(DescribeInstanceInformationCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
      const from = Number(input.NextToken ?? 0);
      const page = FLEET.slice(from, from + (input.MaxResults ?? 50));
      return { InstanceInformationList: page.map((InstanceId) => ({ InstanceId, PingStatus: 'Online' })), NextToken: from + page.length < FLEET.length ? String(from + page.length) : undefined };
    });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'f0000000-0000-4000-8000-000000000500' } });
    s3.on(PutObjectCommand).resolves({});

    const outcome = await startBackup({ job: 'fleet-files', eventId: 'event-fleet' }, 'fallback', {
      config,
      runner: new SsmCommandRunner(new SSMClient({})),
      store: new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap'),
      notifier: new MemoryNotifier(),
      bucket: 'backups',
      kmsKeyId: 'alias/cronsnap',
      documentPrefix: 'cronsnap',
      now: () => new Date('2026-11-24T01:00:00Z'),
    });

    expect(outcome).toMatchObject({ kind: 'started', hosts: [] });
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(1);
    const sends = ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input);
    expect(sends).toEqual([
      expect.objectContaining({ Targets: [{ Key: 'tag:cronsnap:role', Values: ['node'] }], MaxConcurrency: '10%', MaxErrors: '5%' }),
    ]);
    expect(sends[0]).not.toHaveProperty('InstanceIds');
  });

  it('has its 500 completions each handled with the same few calls, and prunes once, when the last host lands', async () => {
    const written = new Set<string>();
    const claimed = new Set<string>();
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ TargetCount: FLEET.length, Parameters: { job: ['fleet-files'], runId: [RUN_ID], runPrefix: [PREFIX], setName: [''] } }] });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', DocumentName: 'cronsnap-files-backup', StandardErrorContent: '' });
    s3.on(PutObjectCommand).callsFake((input: { Key?: string }) => {
      claimed.add(input.Key ?? '');
      return {};
    });
    s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
      const host = (input.Key ?? '').split('/')[5] ?? '';
      return { Body: { transformToString: async () => manifestOf(host) } };
    });
    // The bucket as the fleet fills it: every host's objects land just before its completion event.
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => {
      const keys =
        input.Prefix === 'fleet-files/'
          ? FLEET.flatMap((host) => [`${PREFIX}/${host}/files.tar.zst`, ...(written.has(host) ? [`${PREFIX}/${host}/manifest.json`] : [])])
          : [...claimed].filter((key) => key.startsWith(input.Prefix ?? ''));
      return { Contents: keys.map((Key) => ({ Key, Size: 10 })) };
    });
    const deps = {
      config,
      runner: new SsmCommandRunner(new SSMClient({})),
      store: new S3ObjectStore(new S3Client({}), 'backups', 'alias/cronsnap'),
      notifier: new MemoryNotifier(),
      now: () => new Date('2026-11-24T01:05:00Z'),
    };

    const retention: { kind: string; reason?: string }[] = [];
    for (const host of FLEET) {
      written.add(host);
      const event = loadEvent('ssm-invocation-status-change');
      event.detail['instance-id'] = host;
      event.detail['command-id'] = 'f0000000-0000-4000-8000-000000000500';
      const outcome = await completeBackup(event, deps);
      if (outcome.kind !== 'succeeded') throw new Error(`${host}: ${JSON.stringify(outcome)}`);
      retention.push(outcome.retention);
    }

    const perEvent = (command: Parameters<typeof ssm.commandCalls>[0] | Parameters<typeof s3.commandCalls>[0], client: typeof ssm | typeof s3) => client.commandCalls(command as never).length / FLEET.length;
    expect(perEvent(GetCommandInvocationCommand, ssm)).toBe(1);
    expect(perEvent(ListCommandsCommand, ssm)).toBe(1);
    expect(perEvent(PutObjectCommand, s3)).toBe(1);
    // The claimed manifest, plus the kept run's manifest read once by the last completion's prune.
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(FLEET.length + FLEET.length);
    // Each completion counts the run's finished hosts (one page); only the last lists the job, its run markers, keeps and on-demand marks.
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(FLEET.length + 4);
    expect(s3.commandCalls(ListObjectsV2Command).filter((call) => call.args[0].input.Prefix === 'fleet-files/')).toHaveLength(1);
    expect(retention[0]).toEqual({ kind: 'held', job: 'fleet-files', reason: '1 of 500 hosts of this run have finished; the last one prunes' });
    expect(retention.slice(0, -1).every(({ kind }) => kind === 'held')).toBe(true);
    expect(retention[retention.length - 1]).toMatchObject({ kind: 'pruned' });
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
