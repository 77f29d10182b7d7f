/**
 * Issue 9: no secret appears in any log or output of the integration suite. Loaded before every
 * integration test file, it treats each value stored in moto as an SSM SecureString or a Secrets
 * Manager secret (and the `password` field of a JSON one) as a secret and searches, for all of them:
 * - every host command's parameters, stdout and stderr (LocalCommandRunner);
 * - everything this process writes: the handlers' logs, console output;
 * - every object in every moto bucket, read just before that moto stops.
 * A hit fails the file, naming where the secret was seen.
 */
import { GetObjectCommand, ListBucketsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { LocalCommandRunner } from '../../lib/adapters/local-command-runner';
import * as motoServer from '../../lib/local/moto-server';

const secrets = new Set<string>();
const seen: { where: string; text: string }[] = [];
const found: string[] = [];

function record(where: string, text: string): void {
  seen.push({ where, text });
}

// Everything this process prints, whoever prints it (Powertools writes to process.stdout itself).
for (const stream of [process.stdout, process.stderr] as const) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    record(stream === process.stdout ? 'stdout' : 'stderr', String(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    record(`console.${level}`, args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    original(...args);
  };
}

const send = LocalCommandRunner.prototype.send;
// Outputs are read once each command has finished, without holding up the sender: a workflow's
// steps must not wait for a host inside one step, and would if send waited here.
const outputs: Promise<void>[] = [];
LocalCommandRunner.prototype.send = async function (this: LocalCommandRunner, request) {
  const sent = await send.call(this, request);
  outputs.push(
    this.settled(sent.commandId).then(async () => {
      for (const hostId of this.hostsOf(sent.commandId)) {
        const { stdout, stderr, parameters } = await this.invocation(sent.commandId, hostId);
        const where = `${request.documentName} on ${hostId}`;
        record(`${where}: parameters`, JSON.stringify(parameters));
        record(`${where}: stdout`, stdout);
        record(`${where}: stderr`, stderr);
      }
    }),
  );
  return sent;
};

const startMoto = motoServer.startMoto;
// CommonJS exports are plain properties: callers in this file's module registry get the wrapper.
(motoServer as { startMoto: typeof startMoto }).startMoto = async () => {
  const moto = await startMoto();
  return {
    ...moto,
    s3: () => moto.s3(),
    async putSecureString(name: string, value: string) {
      secrets.add(value);
      await moto.putSecureString(name, value);
    },
    async createSecret(name: string, value: string | Uint8Array) {
      if (typeof value === 'string') {
        secrets.add(value);
        const password = passwordField(value);
        if (password) secrets.add(password);
      }
      return moto.createSecret(name, value);
    },
    async stop() {
      await sweepBuckets(moto.s3());
      await moto.stop();
    },
  };
};

function passwordField(secretString: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(secretString);
    const password = (parsed as { password?: unknown } | null)?.password;
    return typeof password === 'string' ? password : undefined;
  } catch {
    return undefined;
  }
}

async function sweepBuckets(s3: S3Client): Promise<void> {
  if (secrets.size === 0) return;
  for (const { Name: bucket } of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    let page: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...page }));
      for (const { Key: key, VersionId: versionId } of listed.Versions ?? []) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).Body?.transformToByteArray();
        if (body) check(`s3://${bucket}/${key}`, Buffer.from(body));
      }
      if (!listed.IsTruncated) break;
      page = { KeyMarker: listed.NextKeyMarker, VersionIdMarker: listed.NextVersionIdMarker };
    }
  }
}

function check(where: string, content: Buffer | string): void {
  for (const secret of secrets) if (content.includes(secret)) found.push(`a secret (${secret.length} chars) in ${where}`);
}

afterAll(async () => {
  await Promise.all(outputs.splice(0));
  for (const { where, text } of seen) check(where, text);
  seen.length = 0;
  if (found.length > 0) throw new Error(`secrets leaked:\n${[...new Set(found)].join('\n')}`);
});
