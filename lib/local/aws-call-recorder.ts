import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP request to the AWS stand-in, as the recorder saw it on its way to moto. */
export interface RecordedCall {
  /** The access key ID of the SigV4 signature: who signed it. */
  readonly accessKeyId: string;
  readonly method: string;
  readonly path: string;
  /** The query string, without its `?`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** The first 64 KB of the body: enough for JSON APIs and DeleteObjects, never a payload. */
  readonly body: string;
}

export interface CallRecorder {
  /** Point clients and hosts here instead of at moto. */
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  stop(): Promise<void>;
}

const BODY_KEPT = 64 * 1024;

/**
 * Access key IDs the local world signs with when its calls are recorded, so each call names the
 * principal it stands for: a function's role, or the instance profile of a job's hosts.
 */
export const functionKey = (name: string) => `cronsnap.fn.${name}`;
export const hostKey = (job: string) => `cronsnap.host.${job}`;

/** The access key ID in a SigV4 Authorization header (`Credential=<key>/<date>/...`), or '' when unsigned. */
export function signerOf(authorization: string): string {
  return /Credential=([^/]+)\//.exec(authorization)?.[1] ?? '';
}

/**
 * A pass-through HTTP proxy in front of moto_server that records every request with its signer,
 * so the calls of the functions and the hosts can be judged against the stack's IAM afterwards.
 * Bodies stream through; only their first 64 KB are kept.
 */
export async function startCallRecorder(target: string): Promise<CallRecorder> {
  const upstream = new URL(target);
  const calls: RecordedCall[] = [];
  const server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://recorder');
    const kept: Buffer[] = [];
    let keptBytes = 0;
    incoming.on('data', (chunk: Buffer) => {
      if (keptBytes < BODY_KEPT) {
        kept.push(chunk.subarray(0, BODY_KEPT - keptBytes));
        keptBytes += chunk.length;
      }
    });
    incoming.on('end', () => {
      calls.push({ accessKeyId: signerOf(String(incoming.headers.authorization ?? '')), method: incoming.method ?? 'GET', path: url.pathname, query: url.search.replace(/^\?/, ''), headers: incoming.headers, body: Buffer.concat(kept).toString('utf8') });
    });
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The header a stand-in call carries the backup bucket of the service that made it in. */
export const STAND_IN_BUCKET = 'x-cronsnap-bucket';

/** The access key ID of a state machine's role, for the Tasks it invokes. */
export const stateMachineKey = (name: string) => `cronsnap.sm.${name}`;

/** What one of a job's schedules starts: its backups, its binlog or WAL shipping, its restore drills. */
export type SchedulePurpose = 'backup' | 'binlogs' | 'wal' | 'drill';

/**
 * The access key ID standing for one of a job's schedules as it invokes its function: Scheduler,
 * assuming the stack's one schedules role for the schedule's group, then that role.
 */
export const scheduleKey = (purpose: SchedulePurpose, job: string) => `cronsnap.schedule.${purpose}.${job}`;

/** The EventBridge rule that hands SSM's status-change events to backup-completed. */
export const COMMAND_FINISHED_KEY = 'cronsnap.rule.command-finished';

/** The EventBridge rule that starts compliance-report when S3 Inventory delivers a report. */
export const INVENTORY_DELIVERED_KEY = 'cronsnap.rule.inventory-delivered';

/**
 * A call the local mode makes to a stand-in instead of to AWS (SSM Run Command, Step Functions,
 * SNS, Lambda), recorded as the SDK would have sent it: its operation as `x-amz-target` and its
 * input as the JSON body, signed by the principal making it, so the IAM audit judges it as it
 * would the real call.
 */
export function standInCall(accessKeyId: string, target: string, input: Readonly<Record<string, unknown>>): RecordedCall {
  return {
    accessKeyId,
    method: 'POST',
    path: '/',
    query: '',
    headers: { 'x-amz-target': target, authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/local-stand-in` },
    body: JSON.stringify(input),
  };
}
