import { RestoreRefusedError } from '../../../lib/errors';
import { FunctionError } from '../../../lib/function-error';
import { restoreFunction } from '../../../lib/lambda/restore-function';
import type { RestoreDeps } from '../../../lib/restore/restore';
import { hostWorkflowStarter, silentLogger } from '../../helpers/local-workflows';
import { MAX_EXECUTION_SECONDS, restoreTimeoutSeconds } from '../../../lib/host-workflow/command-timeout';
import {
  advanceHostWorkflow,
  EXECUTION_HISTORY_LIMIT,
  historyEventsFor,
  hostWorkflowSchema,
  pollIntervalSeconds,
} from '../../../lib/host-workflow/host-workflow';
import { fittedChangeLists, restoreFinisher } from '../../../lib/restore/restore-finisher';
import { DRILL_PROGRAM_OF } from '../../../lib/drill/drill-programs';
import { MemoryObjectStore, RecordingRunner } from '../../helpers/recording-ports';
import { HOST, plannedRestore, ScriptedRunner } from '../../helpers/host-workflow-fixtures';

const START = Date.parse('2026-12-02T08:00:00Z');

describe('host workflows', () => {
  it('sends every planned command in its first step and waits for none of them', async () => {
    let now = START;
    const runner = new ScriptedRunner(() => now, Infinity);
    const deps = { runner, store: new MemoryObjectStore(), documentPrefix: 'cronsnap', now: () => new Date(now) };

    const sent = await advanceHostWorkflow(hostWorkflowSchema.parse(plannedRestore()), deps, restoreFinisher);

    expect(runner.sent).toHaveLength(1);
    expect(runner.sent[0]).toMatchObject({ documentName: 'cronsnap-mysql-restore', hostIds: [HOST], parameters: { executionTimeout: '7200' } });
    expect(sent).toMatchObject({ done: false, waitSeconds: 5, sent: [{ commandId: 'cmd-1', host: HOST }] });

    now += 3600_000;
    const polled = await advanceHostWorkflow(sent, deps, restoreFinisher);
    expect(polled).toMatchObject({ done: false, waitSeconds: 120, status: `${HOST} InProgress for 60 min` });
    expect(runner.sent).toHaveLength(1);
  });

  it('answers with the host\'s report once the host has finished, hours after the first step', async () => {
    let now = START;
    const stdout = 'cronsnap: restored {"database": "shop", "into": "shop", "tables": 4}\n';
    const runner = new ScriptedRunner(() => now, START + 5 * 3600_000, { status: 'Success', stdout });
    const deps = { runner, store: new MemoryObjectStore(), documentPrefix: 'cronsnap', now: () => new Date(now) };
    let state = hostWorkflowSchema.parse(plannedRestore(6 * 3600));
    let steps = 0;
    while (!state.done) {
      state = await advanceHostWorkflow(state, deps, restoreFinisher);
      now += state.waitSeconds * 1000;
      steps += 1;
    }
    expect(state.outcome).toEqual({ kind: 'database', dryRun: false, report: { host: HOST, commandId: 'cmd-1', planned: [], restored: [{ database: 'shop', into: 'shop', tables: 4 }] } });
    // Five hours of looks, each a short invocation.
    expect(steps).toBeGreaterThan(100);
    expect(historyEventsFor(5 * 3600)).toBeLessThan(EXECUTION_HISTORY_LIMIT);
  });

  it('fails a restore whose plan step refused with the host\'s reason, as a refusal', async () => {
    const now = START;
    const stdout = 'cronsnap: FAILED step=plan: database shop holds 4 tables; nothing was changed\n';
    const runner = new ScriptedRunner(() => now, START, { status: 'Failed', stdout });
    const deps = { runner, store: new MemoryObjectStore(), documentPrefix: 'cronsnap', now: () => new Date(now) };
    const sent = await advanceHostWorkflow(hostWorkflowSchema.parse(plannedRestore()), deps, restoreFinisher);

    const finishing = advanceHostWorkflow(sent, deps, restoreFinisher);

    await expect(finishing).rejects.toThrow(RestoreRefusedError);
    await expect(finishing).rejects.toThrow('restore of shop-db failed: step=plan: database shop holds 4 tables; nothing was changed');
  });

  it('refuses a planned command for a program its workflow may not send, before sending anything', async () => {
    const runner = new RecordingRunner([HOST]);
    const input = plannedRestore();
    const [command] = input.commands;
    const forged = hostWorkflowSchema.parse({ ...input, commands: [{ ...command, programId: DRILL_PROGRAM_OF.mysql.id }] });

    await expect(advanceHostWorkflow(forged, { runner, store: new MemoryObjectStore(), documentPrefix: 'cronsnap', now: () => new Date(START) }, restoreFinisher)).rejects.toThrow(
      'no host program mysql-drill may be sent from here (files-restore, mysql-restore, postgres-restore, postgres-recovery)',
    );
    expect(runner.sent).toEqual([]);
  });

  it('stays inside the execution history limit for a command that runs the longest SSM allows', () => {
    expect(pollIntervalSeconds(0)).toBe(5);
    expect(pollIntervalSeconds(48 * 3600)).toBe(120);
    expect(historyEventsFor(MAX_EXECUTION_SECONDS + 900)).toBeLessThan(EXECUTION_HISTORY_LIMIT);
  });

  it('fails a step that runs past the function budget, as Lambda stops it', async () => {
    const runner = new RecordingRunner([HOST]);
    runner.send = () => new Promise((resolve) => setTimeout(() => resolve({ commandId: 'late' }), 200));
    const step = { runner, store: new MemoryObjectStore(), documentPrefix: 'cronsnap', now: () => new Date() };
    // Only the workflow's steps run here; planning a restore is not asked of this function.
    const workflows = hostWorkflowStarter(() => restoreFunction({ restore: {} as RestoreDeps, step, logger: silentLogger() }), { timeoutMs: 50 });

    const started = workflows.run(plannedRestore(), 'restore-shop-db');

    await expect(started).rejects.toThrow(FunctionError);
    // middy stops the handler just before Lambda would, and the execution fails with its error.
    await expect(started).rejects.toThrow('execution restore-shop-db failed: TimeoutError: [AbortError]: The operation was aborted.');
  });
});

describe('restore timeouts and outputs', () => {
  it('sizes a restore\'s execution timeout from the job and the payload, never past SSM\'s 48 hours', () => {
    const job = { timeoutMinutes: 60 };
    expect(restoreTimeoutSeconds(job, 400 * 2 ** 20)).toBe(7200);
    // 100 GiB at the 8 MiB/s floor, plus the fixed half hour.
    expect(restoreTimeoutSeconds(job, 100 * 2 ** 30)).toBe(1800 + 12_800);
    expect(restoreTimeoutSeconds(job, 5 * 2 ** 40)).toBe(MAX_EXECUTION_SECONDS);
    expect(restoreTimeoutSeconds({ timeoutMinutes: 600 }, 0)).toBe(72_000);
  });

  it('cuts file-set change lists to fit the execution output and names the report that holds them all', () => {
    const changes = Array.from({ length: 5000 }, (_, i) => ({ change: 'changed' as const, path: `/etc/app/conf.d/${'x'.repeat(40)}-${i}.conf`, what: ['content' as const] }));
    const summary = { mode: 'dry-run' as const, missing: 0, changed: 5000, added: 0, unchanged: 0, restored: 0 };
    const [fitted] = fittedChangeLists([{ host: HOST, commandId: 'c', changes, saved: [], restored: [], summary, reportKey: '_cronsnap/reports/files/x/i-1' }]);

    expect(JSON.stringify(fitted).length).toBeLessThan(256 * 1024);
    expect(fitted?.changes.length).toBeGreaterThan(1000);
    expect(fitted).toMatchObject({ changesOmitted: 5000 - (fitted?.changes.length ?? 0), fullReport: '_cronsnap/reports/files/x/i-1', summary });
  });
});

