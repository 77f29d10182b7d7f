import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CDK = join(__dirname, '../../node_modules/aws-cdk-lib');
const HANDLER = join(CDK, 'custom-resource-handlers/dist/aws-s3-deployment/bucket-deployment-handler/index.py');
const CLI_LAYER = join(__dirname, '../../node_modules/@aws-cdk/asset-awscli-v1/lib/layer.zip');

/** What CloudFormation substitutes for the references in the custom resource's properties. */
export interface DeploymentWorld {
  /** The moto endpoint the handler's boto3 and aws CLI reach (as AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly s3: S3Client;
  /** Environment the function has: credentials and region. */
  readonly env: Readonly<Record<string, string>>;
  /** The real names of the template's `Ref`s and `Fn::GetAtt`s, by logical ID. */
  readonly refs: Readonly<Record<string, string>>;
  /** The cdk.out directory the assets were staged in. */
  readonly assemblyDir: string;
  /** A scratch directory. */
  readonly dir: string;
}

type Json = Record<string, unknown>;

/**
 * `value` as CloudFormation hands a custom resource its properties: the intrinsic functions
 * resolved in `world`, and every scalar a string (`true` arrives as "true").
 */
function resolved(value: unknown, world: DeploymentWorld, assetBucket: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolved(item, world, assetBucket));
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Json;
  if ('Fn::Sub' in record && String(record['Fn::Sub']).startsWith('cdk-')) return assetBucket;
  const ref = (record.Ref ?? (record['Fn::GetAtt'] as string[] | undefined)?.[0]) as string | undefined;
  if (ref !== undefined) {
    const real = world.refs[ref];
    if (real === undefined) throw new Error(`no value for ${ref} in the deployment's world`);
    return real;
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolved(item, world, assetBucket)]));
}

/**
 * Runs CDK's own bucket-deployment handler (its Python, with the aws CLI v1 of CDK's AwsCliLayer)
 * on a Create event for `properties`, as CloudFormation would at deploy time: the staged assets
 * are zipped and published into an assets bucket as cdk-assets does, and the handler's response
 * is read from the ResponseURL it PUTs to. Only the layer's mount point differs from Lambda's
 * (`/opt/awscli`), and its Python is this machine's.
 */
export async function runBucketDeployment(properties: Json, world: DeploymentWorld): Promise<{ status: string; reason?: string }> {
  // The bootstrap bucket the assets are published to, by the name the template gives it.
  const resourceProperties: Json = {
    ...(resolved({ ...properties, ServiceToken: undefined }, world, 'cdk-hnb659fds-assets-123456789012-us-east-1') as Json),
    // The function's own ARN: CloudFormation passes it on, the handler never reads it.
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:local',
  };
  const sources = resourceProperties.SourceBucketNames as string[];
  for (const [at, key] of (resourceProperties.SourceObjectKeys as string[]).entries()) {
    const bucket = sources[at] ?? '';
    await world.s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });
    const staged = join(world.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
    const zip = join(world.dir, key);
    // cdk-assets zips every file with the same date (1980-01-01), so a redeploy's sync sees no newer file.
    const zipper = 'import os, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n    for name in sorted(os.listdir(sys.argv[2])):\n        z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), open(os.path.join(sys.argv[2], name), "rb").read())\n';
    await run('python3', ['-c', zipper, zip, staged]);
    await world.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(zip) }));
  }
  const layer = join(world.dir, 'layer');
  mkdirSync(layer, { recursive: true });
  await run('python3', ['-c', 'import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', CLI_LAYER, layer]);
  const aws = join(world.dir, 'aws');
  writeFileSync(aws, `#!/bin/sh\nexec python3 '${join(layer, 'awscli', 'aws')}' "$@"\n`, { mode: 0o755 });
  const handler = join(world.dir, 'index.py');
  writeFileSync(handler, readFileSync(HANDLER, 'utf8').replace('"/opt/awscli/aws"', JSON.stringify(aws)));

  const responses: Json[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      responses.push(JSON.parse(body) as Json);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const event = {
      RequestType: 'Create',
      ResponseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Cronsnap/local',
      RequestId: 'local-create',
      LogicalResourceId: 'HostProgramsDeployment',
      ResourceType: 'Custom::CDKBucketDeployment',
      ResourceProperties: resourceProperties,
    };
    const eventFile = join(world.dir, 'event.json');
    writeFileSync(eventFile, JSON.stringify(event));
    const runner = 'import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location("index", sys.argv[1])\nindex = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(index)\nclass Context:\n    log_stream_name = "local"\nindex.handler(json.load(open(sys.argv[2])), Context())\n';
    await run('python3', ['-c', runner, handler, eventFile], {
      cwd: world.dir,
      env: { PATH: process.env.PATH ?? '', HOME: world.dir, TMPDIR: world.dir, ...world.env, AWS_ENDPOINT_URL: world.endpoint },
    });
  } finally {
    server.close();
  }
  const [answer] = responses;
  if (!answer) throw new Error(`the handler sent no response (files: ${readdirSync(world.dir).join(', ')})`);
  return { status: String(answer.Status), ...(answer.Reason ? { reason: String(answer.Reason) } : {}) };
}
