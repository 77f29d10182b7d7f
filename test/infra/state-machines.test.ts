import type { Template } from 'aws-cdk-lib/assertions';
import aslValidator from 'asl-validator';
import type { LocalExecutionOptions, LocalFunctionBinding, LambdaHandler } from '../../lib/adapters/local-state-machine';
import { etcdServiceValues } from '../../lib/engines/etcd-member-access';
import { loadConfigFile } from '../../lib/config/config-file';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import type { DrilledOutcome } from '../../lib/drill/run-drill';
import { RestoreError, RestoreRefusedError } from '../../lib/errors';
import { etcdRestoreStepFunction } from '../../lib/lambda/etcd-restore-step-function';
import { restoreDrillFunction } from '../../lib/lambda/restore-drill-function';
import { restoreFunction } from '../../lib/lambda/restore-function';
import type { CommandRequest, CommandRunner, Invocation } from '../../lib/ports/command-runner';
import type { StartedWorkflow } from '../../lib/ports/workflow-starter';
import type { EtcdRestorePlan } from '../../lib/restore/etcd-restore-plan';
import type { RestoreDeps } from '../../lib/restore/restore';
import type { AslDefinition } from '../../lib/state-machines/asl';
import { etcdRestoreDefinition } from '../../lib/state-machines/etcd-restore-definition';
import { hostWorkflowDefinition } from '../../lib/state-machines/host-workflow-definition';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput, postgresJobInput } from '../helpers/config-factory';
import { drillRecordOverOneBackup, HOST, plannedRestore, ScriptedRunner } from '../helpers/host-workflow-fixtures';
import { LocalWorkflows, silentLogger } from '../helpers/local-workflows';
import { MemoryObjectStore, RecordingRunner } from '../helpers/recording-ports';
import { synthStacks, TEST_ACCOUNT, TEST_REGION } from '../helpers/stack-factory';

/** A state machine as CloudFormation will create it: its definition with every function ARN resolved. */
interface DeployedMachine {
  readonly stack: string;
  readonly logicalId: string;
  readonly definition: AslDefinition;
  /** The logical id of the one function its Tasks invoke. */
  readonly functionId: string;
  readonly functionArn: string;
}

function functionArnOf(template: Template, logicalId: string): string {
  const resource = template.toJSON().Resources[logicalId] as { Type: string; Properties: { FunctionName?: string } } | undefined;
  if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`${logicalId} is not a Lambda function`);
  return `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:${logicalId}`;
}

/** Fn::Join of strings and Fn::GetAtt [function, Arn], as CDK writes DefinitionString; anything else fails the test. */
function deployedMachines(stack: string, template: Template): DeployedMachine[] {
  return Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).map(([logicalId, machine]) => {
    const body = machine.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
    const functions = new Set<string>();
    const text =
      typeof body === 'string'
        ? body
        : body['Fn::Join'][1]
            .map((part) => {
              if (typeof part === 'string') return part;
              const [id, attribute] = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] ?? [];
              if (!id || attribute !== 'Arn') throw new Error(`${stack}/${logicalId}: unexpected token in its definition: ${JSON.stringify(part)}`);
              functions.add(id);
              return functionArnOf(template, id);
            })
            .join('');
    const [functionId, ...others] = [...functions];
    if (!functionId || others.length > 0) throw new Error(`${stack}/${logicalId} invokes ${functions.size} functions, not one`);
    return { stack, logicalId, definition: JSON.parse(text) as AslDefinition, functionId, functionArn: functionArnOf(template, functionId) };
  });
}

/** Every job kind and feature: etcd, MySQL with binary logs, PostgreSQL physical with WAL, a file set, drills, a copy in another region. */
function everyFeature(): CronsnapConfigInput {
  const drill = { schedule: '@weekly' };
  return {
    ...configInput([
      etcdJobInput({ drill }),
      mysqlJobInput({ drill, binlogs: { schedule: '*/15 * * * *' } } as never),
      postgresJobInput({
        postgres: { ...(postgresJobInput() as { postgres: object }).postgres, mode: 'physical' },
        wal: { schedule: '*/5 * * * *', slot: 'cronsnap' },
        drill,
      } as never),
      filesJobInput(),
    ]),
    storage: { replica: { region: 'eu-west-1' } },
  } as CronsnapConfigInput;
}

const APPS = {
  example: () => synthStacks(loadConfigFile('config/cronsnap.example.yaml') as CronsnapConfigInput),
  'every feature': () => synthStacks(everyFeature()),
};

const machines: DeployedMachine[] = Object.entries(APPS).flatMap(([name, synth]) => {
  const { template, replica } = synth();
  return [...deployedMachines(`${name}: Cronsnap`, template), ...(replica ? deployedMachines(`${name}: CronsnapReplica`, replica.template) : [])];
});

/** Each machine as a jest case named by its stack and logical id. */
const cases = (list: readonly DeployedMachine[]) => list.map((machine) => [`${machine.stack} ${machine.logicalId}`, machine] as const);

const hostWorkflows = machines.filter((machine) => machine.definition.StartAt === 'step');
const etcdRestores = machines.filter((machine) => machine.definition.StartAt === 'kind?');

/** The Task's function bound to `handler`, as Lambda runs it; `invocations` counts the calls. */
function bound(machine: DeployedMachine, handler: () => LambdaHandler, invocations: unknown[] = []): LocalExecutionOptions {
  const binding: LocalFunctionBinding = {
    name: machine.functionId,
    timeoutMs: 900_000,
    handler: (event, ...rest) => {
      invocations.push(event);
      return handler()(event, ...rest);
    },
  };
  return { functions: { [machine.functionArn]: binding }, waitMs: 0 };
}

/** The restore function as its workflow's steps use it, over `runner`: planning a restore is not asked of it here. */
function restoreSteps(runner: CommandRunner) {
  const step = { runner, store: new MemoryObjectStore(), documentPrefix: 'cronsnap', now: () => new Date() };
  return restoreFunction({ restore: {} as RestoreDeps, step, logger: silentLogger() });
}

/** The etcd step function over `runner`, its commands allowed a minute. */
function etcdSteps(runner: CommandRunner) {
  const step = { runner, store: new MemoryObjectStore(), bucket: 'backups', documentPrefix: 'cronsnap', now: () => new Date(), timeoutMs: 60_000 };
  return etcdRestoreStepFunction({ step, logger: silentLogger() });
}

/** Runs every command for two looks, then fails it with the host's one-line reason, as a host whose data dir's parent is missing does. */
class FailingRunner implements CommandRunner {
  private readonly looks = new Map<string, number>();

  private readonly sender = new RecordingRunner([HOST]);
  readonly sent = this.sender.sent;

  constructor(private readonly reason: (request: CommandRequest) => string) {}

  async onlineHosts(): Promise<string[]> {
    return [HOST];
  }

  private readonly requests = new Map<string, CommandRequest>();

  async send(request: CommandRequest): Promise<{ commandId: string }> {
    const sent = await this.sender.send(request);
    this.requests.set(sent.commandId, request);
    return sent;
  }

  findSent(request: CommandRequest): Promise<{ commandId: string } | undefined> {
    return this.sender.findSent(request);
  }

  async invocation(commandId: string, hostId: string): Promise<Invocation> {
    const request = this.requests.get(commandId);
    const looks = (this.looks.get(commandId) ?? 0) + 1;
    this.looks.set(commandId, looks);
    const stdout = `cronsnap: FAILED ${request ? this.reason(request) : 'unknown command'}\n`;
    const running = { commandId, hostId, documentName: request?.documentName ?? '', status: 'InProgress' as const, parameters: request?.parameters ?? {}, stdout: '', stderr: '' };
    return looks <= 2 ? running : { ...running, status: 'Failed', stdout };
  }
}

function etcdPlan(): EtcdRestorePlan {
  return {
    kind: 'etcd-quorum-restore',
    job: 'prod-etcd',
    runId: '20261201T020000Z-0123456789',
    manifestKey: 'prod-etcd/2026/12/01/20261201T020000Z-0123456789/i-0123456789abcdef0/manifest.json',
    stamp: '20261207T050000Z',
    payload: { key: 'prod-etcd/2026/12/01/20261201T020000Z-0123456789/i-0123456789abcdef0/snapshot.db.zst', sha256: 'a'.repeat(64), mode: 'snapshot', revision: 1200 },
    initialCluster: 'etcd-a=https://10.0.0.1:2380',
    clusterToken: 'etcd-cluster',
    endpoints: 'https://10.0.0.1:2379',
    members: [{ host: HOST, name: 'etcd-a', peerUrls: 'https://10.0.0.1:2380', clientUrls: 'https://10.0.0.1:2379', dataDir: '/nonexistent-parent/etcd' }],
    host: { etcdctl: 'etcdctl', caFile: '', certFile: '', keyFile: '', access: etcdServiceValues({ stop: 'systemctl stop etcd', start: 'systemctl start etcd', healthTimeoutSeconds: 120 }), quotaBackendBytes: '', workDir: '/var/tmp' },
    moves: [],
    steps: [],
    notes: [],
  };
}

describe('the synthesized state machines, executed', () => {
  it('finds every workflow of both stacks: the restore and drill host workflows and the etcd restore, in each app', () => {
    expect(machines.map((machine) => `${machine.stack} ${machine.definition.StartAt}`).sort()).toEqual([
      'every feature: Cronsnap kind?',
      'every feature: Cronsnap step',
      'every feature: Cronsnap step',
      'every feature: CronsnapReplica kind?',
      'every feature: CronsnapReplica step',
      'example: Cronsnap kind?',
      'example: Cronsnap step',
      'example: Cronsnap step',
    ]);
  });

  it.each(cases(machines))('is a valid definition for asl-validator and is the one the local mode runs: %s', (_name, machine) => {
    // asl-validator writes its defaults into what it is given.
    const { isValid, errorsText } = aslValidator(structuredClone(machine.definition));
    expect(isValid ? '' : errorsText(', ')).toBe('');
    const build = machine.definition.StartAt === 'step' ? hostWorkflowDefinition : etcdRestoreDefinition;
    expect(machine.definition).toEqual(build(machine.functionArn, machine.definition.TimeoutSeconds ?? 0));
  });

  it.each(cases(hostWorkflows.filter((machine) => !machine.functionId.includes('Drill'))))(
    'hands the restore function the whole workflow state and follows a host through several waits to its answer: %s',
    async (_name, machine) => {
      let polls = 0;
      const stdout = 'cronsnap: restored {"database": "shop", "into": "shop", "tables": 4}\n';
      const runner = new ScriptedRunner(() => polls++, 3, { status: 'Success', stdout });
      const invocations: unknown[] = [];
      const restore = restoreSteps(runner);
      const starter = new LocalWorkflows({ definition: machine.definition, options: bound(machine, () => restore, invocations) });

      const output = await starter.run(plannedRestore(), 'restore-shop-db');

      expect(output).toEqual({ kind: 'database', dryRun: false, report: { host: HOST, commandId: 'cmd-1', planned: [], restored: [{ database: 'shop', into: 'shop', tables: 4 }] } });
      // One step sent the command, four looked at it: three while it ran, the last read the report.
      expect(invocations).toHaveLength(5);
      expect(invocations[0]).toMatchObject({ operation: { kind: 'database-restore', job: 'shop-db' }, commands: [{ host: HOST }] });
      expect(runner.sent).toHaveLength(1);
    },
  );

  it.each(cases(hostWorkflows))(
    'retries a step that Lambda failed after it sent the command, or throttled, without sending it twice: %s',
    async (_name, machine) => {
      let polls = 0;
      const stdout = 'cronsnap: restored {"database": "shop", "into": "shop", "tables": 4}\n';
      const runner = new ScriptedRunner(() => polls++, 1, { status: 'Success', stdout });
      const restore = restoreSteps(runner);
      // The first invocation sends, then its sandbox fails; the second is throttled before it runs.
      const lambdaFailures = ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'];
      let invocation = 0;
      const flaky: LambdaHandler = async (event, ...rest) => {
        invocation += 1;
        if (invocation === 2) throw Object.assign(new Error('Rate Exceeded.'), { name: lambdaFailures[1] });
        const answer = await restore(event, ...rest);
        if (invocation === 1) throw Object.assign(new Error('Service error'), { name: lambdaFailures[0] });
        return answer;
      };
      const starter = new LocalWorkflows({ definition: machine.definition, options: { ...bound(machine, () => flaky), retryIntervalMs: 0 } });

      const output = await starter.run(plannedRestore(), 'restore-shop-db');

      expect(output).toMatchObject({ kind: 'database', report: { commandId: 'cmd-1', restored: [{ database: 'shop' }] } });
      expect(runner.sent).toHaveLength(1);
      expect(invocation).toBeGreaterThan(3);
    },
  );

  it.each(cases(etcdRestores))(
    'plans each etcd step before it sends, so a step Lambda failed after sending is retried without sending twice: %s',
    async (_name, machine) => {
      const runner = new FailingRunner(() => 'step=prepare: refused by the test; nothing was changed');
      const etcdStep = etcdSteps(runner);
      let sending = 0;
      // Every invocation that sends fails in Lambda once its commands went out.
      const flaky: LambdaHandler = async (event, ...rest) => {
        const answer = await etcdStep(event, ...rest);
        const sentNow = (event as { progress?: { workflow?: { sent: unknown[] } } }).progress?.workflow?.sent.length === 0;
        if (sentNow && (sending += 1) % 2 === 1) throw Object.assign(new Error('Service error'), { name: 'Lambda.ServiceException' });
        return answer;
      };
      const starter = new LocalWorkflows({ definition: machine.definition, options: { ...bound(machine, () => flaky), retryIntervalMs: 0 } });

      await expect(starter.runEtcd(etcdPlan())).rejects.toThrow(/failed before anything was touched: step prepare failed/);

      expect(sending).toBe(4);
      expect(runner.sent.map((request) => request.parameters.action)).toEqual(['prepare', 'abandon']);
    },
  );

  it.each(cases(etcdRestores))(
    'names both failures when the clean-up step itself fails in Lambda: %s',
    async (_name, machine) => {
      const runner = new FailingRunner(() => 'step=prepare: refused by the test; nothing was changed');
      const etcdStep = etcdSteps(runner);
      const crashingCleanUp: LambdaHandler = async (event, ...rest) => {
        if ((event as { step: string }).step === 'abandon') throw new TypeError('Cannot read properties of undefined');
        return etcdStep(event, ...rest);
      };
      const starter = new LocalWorkflows({ definition: machine.definition, options: bound(machine, () => crashingCleanUp) });

      const started = starter.runEtcd(etcdPlan());

      await expect(started).rejects.toThrow(RestoreError);
      await expect(started).rejects.toThrow(
        /^step prepare failed: .*refused by the test; nothing was changed; the clean-up step \(abandon or rollback\) failed too, .*: Cannot read properties of undefined$/,
      );
    },
  );

  it.each(cases(hostWorkflows.filter((machine) => !machine.functionId.includes('Drill'))))(
    'fails the execution with the refusal the host gave, as a refusal: %s',
    async (_name, machine) => {
      const stdout = 'cronsnap: FAILED step=plan: database shop holds 4 tables; nothing was changed\n';
      const runner = new ScriptedRunner(() => 0, 0, { status: 'Failed', stdout });
      const restore = restoreSteps(runner);
      const starter = new LocalWorkflows({ definition: machine.definition, options: bound(machine, () => restore) });

      const started = starter.run(plannedRestore(), 'restore-shop-db');

      await expect(started).rejects.toThrow(RestoreRefusedError);
      await expect(started).rejects.toThrow('restore of shop-db failed: step=plan: database shop holds 4 tables; nothing was changed');
    },
  );

  it.each(cases(hostWorkflows.filter((machine) => machine.functionId.includes('Drill'))))(
    'runs a drill started by the drill function to its verdict, the function judging its own workflow: %s',
    async (_name, machine) => {
      const { notifier, record } = drillRecordOverOneBackup();
      // The host never finishes.
      const hanging = new ScriptedRunner(() => 0, Infinity);
      const workflows = new LocalWorkflows({ definition: machine.definition, options: bound(machine, () => drill) });
      const drill = restoreDrillFunction({ drill: { ...record, hostWorkflows: workflows.hostWorkflows }, step: { runner: hanging, documentPrefix: 'cronsnap' }, logger: silentLogger() });

      const answer = (await drill({ job: 'prod-etcd', eventId: 'drill-1', scheduledTime: '2026-11-24T00:00:00Z' }, { awsRequestId: 'request-1' } as never, { signal: new AbortController().signal })) as {
        kind: string;
        workflow: StartedWorkflow;
      };

      expect(answer.kind).toBe('started');
      expect(((await workflows.outputOf(answer.workflow)) as DrilledOutcome).result).toMatchObject({ passed: false, reason: expect.stringMatching(/still InProgress after \d+ min, past its execution timeout of 7200 s$/) });
      expect(notifier.messages).toHaveLength(1);
    },
  );

  it.each(cases(etcdRestores))(
    'follows each etcd step through its polls, and on a failed prepare runs abandon with the failure and fails naming both: %s',
    async (_name, machine) => {
      const runner = new FailingRunner((request) => (request.parameters.action === 'abandon' ? 'step=abandon: the agent cannot start the command' : "step=prepare: the data dir's parent /nonexistent-parent does not exist; nothing was changed"));
      const invocations: unknown[] = [];
      const etcdStep = etcdSteps(runner);
      const starter = new LocalWorkflows({ definition: machine.definition, options: bound(machine, () => etcdStep, invocations) });

      const started = starter.runEtcd(etcdPlan());

      await expect(started).rejects.toThrow(RestoreError);
      await expect(started).rejects.toThrow(
        /^etcd restore of prod-etcd failed before anything was touched: step prepare failed: .*the data dir's parent \/nonexistent-parent does not exist; nothing was changed; cleaning up failed too, .*step=abandon: the agent cannot start the command/,
      );
      // Each step: one invocation plans, one sends, three look (twice InProgress, then Failed); none waits for the host.
      const perStep = (step: string) => Array<string>(5).fill(step);
      expect(invocations.map((event) => (event as { step: string }).step)).toEqual([...perStep('prepare'), ...perStep('abandon')]);
      expect(invocations[0]).toMatchObject({ progress: {} });
      expect(invocations[1]).toMatchObject({ progress: { phase: 0, members: ['etcd-a'], workflow: { sent: [] } } });
      expect(invocations[2]).toMatchObject({ progress: { phase: 0, members: ['etcd-a'], workflow: { sent: [{ host: HOST }] } } });
      expect(invocations[5]).toMatchObject({ plan: { job: 'prod-etcd' }, progress: {}, failure: { Error: 'RestoreError', Cause: expect.stringContaining('"errorType":"RestoreError"') } });
      expect(runner.sent.map((request) => request.parameters.action)).toEqual(['prepare', 'abandon']);
    },
  );
});
