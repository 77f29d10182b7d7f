import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { COMMAND_FINISHED_KEY, hostKey, INVENTORY_DELIVERED_KEY, STAND_IN_BUCKET, type RecordedCall, type SchedulePurpose } from '../../lib/local/aws-call-recorder';
import { HARNESS_ACCESS_KEY } from '../../lib/local/moto-server';
import { configInput } from './config-factory';
import { IamWorld, type IamRequest } from './iam-world';
import { synthStacks, TEST_ACCOUNT } from './stack-factory';

/** Each function's role in the template, by the logical ID it starts with. */
const FUNCTION_ROLES: Record<string, string> = {
  'scheduled-backup': 'FunctionsScheduledBackupFunctionServiceRole',
  'backup-completed': 'FunctionsBackupCompletedFunctionServiceRole',
  'list-backups': 'RestoreListBackupsFunctionServiceRole',
  'job-status': 'RestoreJobStatusFunctionServiceRole',
  restore: 'RestoreFunctionServiceRole',
  'etcd-restore-step': 'RestoreEtcdRestoreStepFunctionServiceRole',
  'restore-drill': 'DrillsRestoreDrillFunctionServiceRole',
  // keep-backup runs with the restore function's role.
  'keep-backup': 'RestoreFunctionServiceRole',
  'compliance-report': 'ComplianceComplianceReportFunctionServiceRole',
};

/** Each state machine's role and the state machine itself in the template, by the local mode's name. */
const STATE_MACHINES: Record<string, { role: string; machine: string }> = {
  restore: { role: 'RestoreRestoreWorkflowStateMachineRole', machine: 'RestoreRestoreWorkflowStateMachine' },
  drill: { role: 'DrillsDrillWorkflowStateMachineRole', machine: 'DrillsDrillWorkflowStateMachine' },
  'etcd-restore': { role: 'RestoreEtcdRestoreWorkflowStateMachineRole', machine: 'RestoreEtcdRestoreWorkflowStateMachine' },
};

/** Each function in the template, by the local mode's name (the last part of its local ARN, after `cronsnap-`). */
const FUNCTIONS: Record<string, string> = {
  'scheduled-backup': 'FunctionsScheduledBackupFunction',
  'backup-completed': 'FunctionsBackupCompletedFunction',
  'list-backups': 'RestoreListBackupsFunction',
  'job-status': 'RestoreJobStatusFunction',
  restore: 'RestoreFunction',
  'etcd-restore-step': 'RestoreEtcdRestoreStepFunction',
  'restore-drill': 'DrillsRestoreDrillFunction',
  'keep-backup': 'RestoreKeepBackupFunction',
  'compliance-report': 'ComplianceComplianceReportFunction',
};

/** Where the test world's names differ from the template's. */
export interface AuditNames {
  /** The test's backup bucket. */
  readonly bucket: string;
  /** The test's KMS key ARN (moto's). */
  readonly kmsKeyId: string;
}

/** A recorded call as IAM requests (S3 with SSE-KMS also needs the key), or undefined for the test harness's own calls. */
export function iamRequestsOf(call: RecordedCall, world: IamWorld, names: AuditNames): { actor: Actor; requests: IamRequest[] } | undefined {
  const actor = actorOf(call.accessKeyId, world);
  if (!actor) return undefined;
  const target = String(call.headers['x-amz-target'] ?? '');
  const requests = target ? jsonApiRequests(actor.principal, target, JSON.parse(call.body || '{}') as Record<string, unknown>, world) : s3Requests(actor.principal, call, world, names);
  const withContext = actor.context ? requests.map((request) => ({ ...request, context: { ...actor.context, ...request.context } })) : requests;
  return { actor, requests: [...(actor.assumed ?? []), ...withContext] };
}

/**
 * Who a recorded call stands for: a role of the template, a job's hosts, or the events service
 * acting for one rule. `label` names it in the counts (the events service once per rule, the
 * Scheduler role once per schedule);
 * `context` is what AWS adds to each of its requests; `assumed` the requests that made it the
 * principal (Scheduler assuming a schedule's role, judged by the role's trust policy).
 */
interface Actor {
  readonly principal: string;
  readonly label: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly assumed?: readonly IamRequest[];
}

/** The logical ID each schedule of a job starts with, by what it starts (see JobSchedule's scopes). */
const SCHEDULE_SCOPES: Record<SchedulePurpose, string> = { backup: 'Schedule', binlogs: 'BinlogSchedule', wal: 'WalSchedule', drill: 'DrillsSchedule' };

function actorOf(accessKeyId: string, world: IamWorld): Actor | undefined {
  const [service, kind, name, ...rest] = accessKeyId.split('.');
  if (service !== 'cronsnap' || !name) return undefined;
  const role = (logicalId: string): Actor => ({ principal: `role/${logicalId}`, label: `role/${logicalId}` });
  const rule = (logicalId: string): Actor => ({
    principal: 'events.amazonaws.com',
    label: `events.amazonaws.com for ${logicalId}`,
    context: { 'aws:SourceArn': world.arnOf('AWS::Events::Rule', logicalId), 'aws:SourceAccount': world.account },
  });
  if (kind === 'host') return { principal: `host/${name}`, label: `host/${name}` };
  if (kind === 'rule' && accessKeyId === COMMAND_FINISHED_KEY) return rule(world.logicalId('AWS::Events::Rule', 'FunctionsCommandFinished'));
  if (kind === 'rule' && accessKeyId === INVENTORY_DELIVERED_KEY) return rule(world.logicalId('AWS::Events::Rule', 'ComplianceInventoryDelivered'));
  if (kind === 'schedule' && name in SCHEDULE_SCOPES) {
    // Every schedule fires through the stack's one Scheduler role, which Scheduler assumes naming
    // the schedule's group as the source (the Scheduler guide's confused-deputy prevention).
    const schedule = world.logicalId('AWS::Scheduler::Schedule', `${SCHEDULE_SCOPES[name as SchedulePurpose]}${rest.join('.').replace(/[^A-Za-z0-9]/g, '')}Schedule`);
    const invokeRole = world.logicalId('AWS::IAM::Role', 'SchedulesRole');
    const context = { 'aws:SourceAccount': world.account, 'aws:SourceArn': world.scheduleGroupArnOf(schedule) };
    const assume = { principal: 'scheduler.amazonaws.com', action: 'sts:AssumeRole', resource: world.arnOf('AWS::IAM::Role', invokeRole), context };
    return { principal: `role/${invokeRole}`, label: `role/${invokeRole} for ${schedule}`, assumed: [assume] };
  }
  if (kind === 'sm') {
    const machine = STATE_MACHINES[name];
    if (!machine) throw new Error(`no state machine in the template plays ${accessKeyId}`);
    return role(world.logicalId('AWS::IAM::Role', machine.role));
  }
  const fnRole = FUNCTION_ROLES[name];
  if (kind !== 'fn' || !fnRole) throw new Error(`no role in the template plays ${accessKeyId}`);
  return role(world.logicalId('AWS::IAM::Role', fnRole));
}

/** The template's name for what a local ARN names: `...:<kind>:cronsnap-<name>`. */
function localName(arn: unknown): string {
  return String(arn).replace(/^.*:cronsnap-/, '');
}

function jsonApiRequests(principal: string, target: string, body: Record<string, unknown>, world: IamWorld): IamRequest[] {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${world.region}:${world.account}:${resource}`;
  const one = (action: string, resource: string, context?: Record<string, string>): IamRequest => ({ principal, action, resource, ...(context ? { context } : {}) });
  switch (target) {
    case 'AmazonSSM.GetParameter':
      return [one('ssm:GetParameter', arn('ssm', `parameter/${String(body.Name).replace(/^\//, '')}`))];
    case 'secretsmanager.GetSecretValue': {
      const id = String(body.SecretId);
      // A secret asked for by ARN is that ARN (the one the config names); by name, Secrets Manager
      // appends six characters to the name in its ARN.
      return [one('secretsmanager:GetSecretValue', id.startsWith('arn:') ? id : arn('secretsmanager', `secret:${id}-AbCdEf`))];
    }
    case 'AmazonSSM.SendCommand': {
      // SendCommand is authorized on the document and on every instance it reaches: named ones by
      // their ARN, tagged ones by their tags (ssm:resourceTag), as SSM resolves the targets.
      const document = one('ssm:SendCommand', arn('ssm', `document/${String(body.DocumentName)}`));
      const instance = (id: string) => (id.startsWith('mi-') ? arn('ssm', `managed-instance/${id}`) : arn('ec2', `instance/${id}`));
      const named = ((body.InstanceIds ?? []) as string[]).map((id) => one('ssm:SendCommand', instance(id)));
      // An instance reached by tags carries every targeted key, each with one of its values: one
      // request per combination of values, each with all the keys.
      const combinations = ((body.Targets ?? []) as { Key: string; Values: string[] }[]).reduce<Record<string, string>[]>(
        (partial, tag) => partial.flatMap((context) => tag.Values.map((value) => ({ ...context, [`ssm:resourceTag/${tag.Key.replace(/^tag:/, '')}`]: value }))),
        [{}],
      );
      const tagged = body.Targets ? combinations.map((context) => one('ssm:SendCommand', instance('i-0fedcba9876543210'), context)) : [];
      return [document, ...named, ...tagged];
    }
    case 'AmazonSSM.GetCommandInvocation':
      return [one('ssm:GetCommandInvocation', '*')];
    case 'AmazonSSM.ListCommands':
      return [one('ssm:ListCommands', '*')];
    case 'AmazonSSM.DescribeInstanceInformation':
      return [one('ssm:DescribeInstanceInformation', '*')];
    case 'AmazonSNS.Publish': {
      // The topic is encrypted with its own key: SNS uses it on the publisher's behalf.
      const key = world.arnOf('AWS::KMS::Key', 'FailuresKey');
      return [one('sns:Publish', world.arnOf('AWS::SNS::Topic', 'FailuresTopic')), one('kms:GenerateDataKey', key), one('kms:Decrypt', key)];
    }
    case 'AWSStepFunctions.StartExecution': {
      const machine = STATE_MACHINES[localName(body.stateMachineArn)];
      if (!machine) throw new Error(`no state machine in the template stands for ${String(body.stateMachineArn)}`);
      return [one('states:StartExecution', world.arnOf('AWS::StepFunctions::StateMachine', machine.machine))];
    }
    case 'AWSLambda.Invoke': {
      const fn = FUNCTIONS[localName(body.FunctionName)];
      if (!fn) throw new Error(`no function in the template stands for ${String(body.FunctionName)}`);
      return [one('lambda:InvokeFunction', world.arnOf('AWS::Lambda::Function', fn))];
    }
    default:
      throw new Error(`the IAM audit does not know ${target}`);
  }
}

function s3Requests(principal: string, call: RecordedCall, world: IamWorld, names: AuditNames): IamRequest[] {
  const [, bucket = '', ...keyParts] = call.path.split('/');
  if (bucket !== names.bucket) throw new Error(`${principal} called bucket ${bucket}, not the backup bucket ${names.bucket}`);
  const bucketArn = world.arnOf('AWS::S3::Bucket', 'StorageBucket');
  const storageKey = world.arnOf('AWS::KMS::Key', 'StorageKey');
  const key = decodeURIComponent(keyParts.join('/'));
  const object = `${bucketArn}/${key}`;
  const query = new URLSearchParams(call.query);
  const has = (name: string) => query.has(name);
  const one = (action: string, resource: string, context?: Record<string, string>): IamRequest => ({ principal, action, resource, ...(context ? { context } : {}) });

  if (!key) {
    if (call.method === 'POST' && has('delete')) {
      return [...call.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => one('s3:DeleteObject', `${bucketArn}/${decodeXml(match[1] ?? '')}`));
    }
    const prefix = query.get('prefix');
    const context = prefix === null ? undefined : { 's3:prefix': prefix };
    if (has('versions')) return [one('s3:ListBucketVersions', bucketArn, context)];
    if (has('tagging')) return [one(call.method === 'GET' ? 's3:GetBucketTagging' : 's3:PutBucketTagging', bucketArn)];
    if (has('acl')) return [one(call.method === 'GET' ? 's3:GetBucketAcl' : 's3:PutBucketAcl', bucketArn)];
    if (has('encryption')) return [one('s3:GetEncryptionConfiguration', bucketArn)];
    if (call.method === 'GET') return [one('s3:ListBucket', bucketArn, context)];
    throw new Error(`the IAM audit does not know ${call.method} ${call.path}?${call.query}`);
  }
  // S3 uses the bucket key's data keys on the caller's behalf: writing needs GenerateDataKey, reading Decrypt.
  const encryption = (): Record<string, string> => {
    const context: Record<string, string> = {};
    const sse = call.headers['x-amz-server-side-encryption'];
    const keyId = call.headers['x-amz-server-side-encryption-aws-kms-key-id'];
    if (sse) context['s3:x-amz-server-side-encryption'] = String(sse);
    if (keyId) context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = String(keyId) === names.kmsKeyId ? storageKey : String(keyId);
    return context;
  };
  // Tags and ACLs are their own actions, as sub-resources and as headers of a write.
  const version = has('versionId') ? 'Version' : '';
  if (has('tagging')) return [one(call.method === 'GET' ? `s3:GetObject${version}Tagging` : call.method === 'DELETE' ? `s3:DeleteObject${version}Tagging` : `s3:PutObject${version}Tagging`, object)];
  if (has('acl')) return [one(call.method === 'GET' ? `s3:GetObject${version}Acl` : `s3:PutObject${version}Acl`, object)];
  const writeExtras = [...(call.headers['x-amz-tagging'] ? [one('s3:PutObjectTagging', object)] : []), ...(call.headers['x-amz-acl'] || call.headers['x-amz-grant-full-control'] ? [one('s3:PutObjectAcl', object)] : [])];
  switch (call.method) {
    case 'GET':
    case 'HEAD':
      if (has('retention')) return [one('s3:GetObjectRetention', object)];
      if (has('legal-hold')) return [one('s3:GetObjectLegalHold', object)];
      if (has('uploadId')) return [one('s3:ListMultipartUploadParts', object)];
      return [one(has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', object), ...(call.method === 'GET' ? [one('kms:Decrypt', storageKey)] : [])];
    case 'PUT':
      if (has('retention')) return [one('s3:PutObjectRetention', object)];
      if (has('legal-hold')) return [one('s3:PutObjectLegalHold', object)];
      if (has('uploadId')) return [one('s3:PutObject', object)];
      return [one('s3:PutObject', object, encryption()), one('kms:GenerateDataKey', storageKey), ...writeExtras];
    case 'POST':
      if (has('uploads')) return [one('s3:PutObject', object, encryption()), one('kms:GenerateDataKey', storageKey), ...writeExtras];
      if (has('uploadId')) return [one('s3:PutObject', object), one('kms:Decrypt', storageKey)];
      break;
    case 'DELETE':
      if (has('uploadId')) return [one('s3:AbortMultipartUpload', object)];
      return [one(has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', object)];
  }
  throw new Error(`the IAM audit does not know ${call.method} ${call.path}?${call.query}`);
}

function decodeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Every recorded call of the functions and hosts evaluated: what was denied, and how many calls each principal made. */
export async function auditCalls(calls: readonly RecordedCall[], world: IamWorld, names: AuditNames): Promise<{ denied: string[]; counts: Record<string, number> }> {
  const denied: string[] = [];
  const counts: Record<string, number> = {};
  // Multipart uploads repeat the same request hundreds of times: each distinct one is evaluated once.
  const decisions = new Map<string, Promise<string>>();
  for (const call of calls) {
    const judged = iamRequestsOf(call, world, names);
    if (!judged) {
      // The harness's own setup is not a principal of the stack; anything else unsigned or unknown would pass unjudged.
      if (call.accessKeyId !== HARNESS_ACCESS_KEY) denied.push(`Unattributed: ${call.method} ${call.path}?${call.query} signed by '${call.accessKeyId}', which is neither the harness nor a function, state machine or host`);
      continue;
    }
    for (const request of judged.requests) {
      if (request.principal === judged.actor.principal) counts[judged.actor.label] = (counts[judged.actor.label] ?? 0) + 1;
      const id = JSON.stringify(request);
      if (!decisions.has(id)) decisions.set(id, world.evaluate(request));
      const decision = await decisions.get(id);
      if (decision !== 'Allowed') denied.push(`${decision}: ${request.principal} ${request.action} ${request.resource} ${JSON.stringify(request.context ?? {})} (${call.method} ${call.path})`);
    }
  }
  return { denied, counts };
}

/** The IAM of the main stack synthesized from `config`, or of its copy's stack in the copy's region. */
export function iamWorldOf(config: CronsnapConfigInput, stack: 'main' | 'copy'): IamWorld {
  const { template, replica } = synthStacks(config);
  if (stack === 'main') return new IamWorld(template.toJSON() as never);
  const region = config.storage?.replica?.region;
  if (!replica || !region) throw new Error('the config has no storage.replica: there is no copy stack to judge by');
  return new IamWorld(replica.template.toJSON() as never, TEST_ACCOUNT, region);
}

/** Whether `call` belongs to the audit of `bucket`: a stand-in call names the bucket of the service that made it; a host's JSON call, its job. */
function claims(call: RecordedCall, bucket: string, jobs: BucketUse['jobs']): boolean {
  if (call.headers[STAND_IN_BUCKET]) return call.headers[STAND_IN_BUCKET] === bucket;
  return call.headers['x-amz-target'] ? jobs.some((job) => hostKey(job.name) === call.accessKeyId) : call.path.split('/')[1] === bucket;
}

/**
 * The calls signed as a principal of the stack that no audited bucket claims (another bucket, a
 * job no audit knows): each would otherwise go unjudged.
 */
export function unclaimedCalls(calls: readonly RecordedCall[], audits: ReadonlyMap<string, Pick<BucketUse, 'jobs'>>): string[] {
  return calls
    .filter((call) => call.accessKeyId.startsWith('cronsnap.') && ![...audits].some(([bucket, use]) => claims(call, bucket, use.jobs)))
    .map((call) => `${call.accessKeyId}: ${call.method} ${call.path}?${call.query} ${String(call.headers['x-amz-target'] ?? '')}`);
}

/** What ran against one backup bucket: the jobs (as configured), the bucket's settings and its key. */
export interface BucketUse {
  readonly jobs: readonly CronsnapConfigInput['jobs'][number][];
  readonly storage?: CronsnapConfigInput['storage'];
  readonly kmsKeyId: string;
  /** The bucket is the copy: the CronsnapReplica stack's IAM, in the copy's region, judges its calls. */
  readonly copy?: boolean;
  /**
   * The principals (by access key ID) the scenario has act: one with no evaluated call fails the
   * audit, so that a principal whose calls stopped being recorded cannot pass unjudged.
   */
  readonly expects?: readonly string[];
}

/**
 * The calls on `bucket` (and its hosts' secret reads) judged against the stack synthesized from
 * the same jobs: a one-line summary with the count per principal, or an error naming every
 * request AWS would deny.
 */
export async function auditBucket(calls: readonly RecordedCall[], bucket: string, use: BucketUse): Promise<string> {
  const world = iamWorldOf({ ...configInput([...use.jobs]), ...(use.storage ? { storage: use.storage } : {}) }, use.copy ? 'copy' : 'main');
  const mine = calls.filter((call) => claims(call, bucket, use.jobs));
  const { denied, counts } = await auditCalls(mine, world, { bucket, kmsKeyId: use.kmsKeyId });
  if (denied.length > 0) throw new Error(`AWS would deny ${denied.length} requests:\n${[...new Set(denied)].join('\n')}`);
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  if (total === 0) throw new Error(`IAM audit of ${bucket}: no request was evaluated, so the audit would pass whatever the stack allows`);
  const silent = [...new Set(use.expects ?? [])].filter((accessKeyId) => !counts[actorOf(accessKeyId, world)?.label ?? accessKeyId]);
  if (silent.length > 0) throw new Error(`IAM audit of ${bucket}: no call evaluated for ${silent.join(', ')}, which the scenario has act`);
  return `IAM audit of ${bucket}: ${total} requests evaluated; ${Object.entries(counts).map(([label, count]) => `${label.replace(/[0-9A-F]{8}$/, '')} ${count}`).join(', ')}`;
}
