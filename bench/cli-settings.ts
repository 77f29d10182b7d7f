/**
 * Issue 23 part 6: what the aws CLI's own settings buy on the upload a backup ends with, measured
 * side by side against the discarding endpoint. The payload is BENCH_CLI_MB (default 1024) MB of
 * incompressible bytes, which is what zstd output is to the CLI. Contenders: the stream as the
 * host programs send it (`... | aws s3 cp -`) with the defaults, with 64 MiB parts, with 20
 * concurrent requests, with checksums only where S3 requires them; and the same bytes uploaded
 * from a file, as an etcd snapshot could be. Each setting is given the way a host program would
 * give it: a private config file, which every CLI version reads and ignores what it does not know.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTlsFiles } from '../lib/local/etcd-server';
import { run } from '../lib/local/run-command';
import { startDiscardingAws } from './discarding-aws';
import { sideBySide, type BenchResult } from './timing';

const SETTINGS = {
  defaults: '',
  'parts of 64 MiB': 's3 =\n  multipart_chunksize = 64MB\n',
  '20 concurrent requests': 's3 =\n  max_concurrent_requests = 20\n',
  'checksums when required': 'request_checksum_calculation = when_required\n',
} as const;

export async function benchCliSettings(): Promise<BenchResult[]> {
  const megabytes = Number(process.env.BENCH_CLI_MB ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-cli-settings-'));
  const sink = await startDiscardingAws('', await makeTlsFiles(dir));
  try {
    const payload = join(dir, 'payload.zst');
    console.log(`writing ${megabytes} MB of incompressible bytes for the aws CLI settings bench...`);
    await run('bash', ['-c', `head -c ${megabytes * 1024 * 1024} /dev/urandom >'${payload}'`], {});
    const version = await run('bash', ['-c', 'aws --version 2>&1'], {});
    const env = (setting: string) => {
      const config = join(dir, `config-${Buffer.from(setting).toString('hex').slice(0, 16)}`);
      writeFileSync(config, `[default]\nregion = us-east-1\n${setting}`);
      return { ...sink.env, AWS_CONFIG_FILE: config, AWS_ACCESS_KEY_ID: 'AKIABENCH', AWS_SECRET_ACCESS_KEY: 'bench', PATH: process.env.PATH ?? '' };
    };
    const upload = (source: string, setting: string) => async () => {
      const before = sink.discardedBytes();
      await run('bash', ['-c', `set -o pipefail; ${source} --endpoint-url "$CRONSNAP_AWS_ENDPOINT_URL" --only-show-errors`], env(setting));
      if (sink.discardedBytes() - before < megabytes * 1024 * 1024) throw new Error(`the upload (${source}) sent less than the payload`);
    };
    const stream = `cat '${payload}' | aws s3 cp - s3://bench/stream --expected-size ${megabytes * 1024 * 1024}`;
    const file = `aws s3 cp '${payload}' s3://bench/file`;
    const contenders: Record<string, () => Promise<void>> = {
      ...Object.fromEntries(Object.entries(SETTINGS).map(([name, setting]) => [`stream, ${name}`, upload(stream, setting)])),
      'file, defaults': upload(file, SETTINGS.defaults),
      'file, checksums when required': upload(file, SETTINGS['checksums when required']),
    };
    const times = await sideBySide(contenders);
    const base = times['stream, defaults']?.seconds ?? Number.NaN;
    return Object.entries(times).map(([name, { seconds }]) => ({
      name: `aws CLI ${megabytes} MB: ${name} / stream, defaults`,
      ratio: seconds / base,
      detail: `${seconds.toFixed(2)} s (${(megabytes / seconds).toFixed(0)} MB/s), ${version.trim().split(' ')[0]}`,
    }));
  } finally {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
