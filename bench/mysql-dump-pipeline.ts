/**
 * The MySQL dump-to-S3 pipeline (mysqldump | sha256 | zstd | upload, plus the manifest) against a
 * plain mysqldump to /dev/null, and zstd -1 against the seeds' `| gzip -6`, on BENCH_MYSQL_MB
 * (default 300) MB of generated sysbench-style rows. Server, dump and compressor share this machine's 2 cores.
 * Targets (issue 4): pipeline at most 1.6x the plain dump; at least 5x faster than the gzip
 * pipeline, with a smaller output. Beside the full run it times `dump | zstd | aws s3 cp -` alone, the
 * floor that the aws CLI's upload sets for any run on these 2 cores.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/local/run-command';
import { BENCH_PASSWORD, withFilledMariaDb } from './filled-mariadb';
import { startNullSink } from './null-sink';
import { sideBySide, timed, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchMysqlDumpPipeline(): Promise<BenchResult[]> {
  return withFilledMariaDb('cronsnap-bench-mysql', async ({ dir, db, moto, bucket, kmsKeyId, clientCnf, service: serviceFor }) => {
    const dump = `mysqldump --defaults-extra-file='${clientCnf}' --protocol=TCP -h 127.0.0.1 -P ${db.port} --single-transaction --routines --triggers --events --hex-blob --all-databases`;
    const host = 'mi-0be0c0000000000b2';
    const service = serviceFor(host);
    const sink = await startNullSink({ service, moto, bucket, kmsKeyId, host, dir, job: 'bench-mysql', password: BENCH_PASSWORD });
    let timings;
    try {
      timings = await sideBySide({
        plain: () => run('sh', ['-c', `${dump} > /dev/null`]),
        pipeline: async () => {
          const [completion] = (await service.runJob('bench-mysql', `bench-${Date.now()}`)).completions;
          if (completion?.kind !== 'succeeded') throw new Error(`pipeline failed: ${JSON.stringify(completion)}`);
          return completion.manifest.payload;
        },
        nullSink: () => sink.runOnce(),
        // Nothing of cronsnap's (no hashes, secret or manifest): what compressing and the CLI's
        // upload alone cost here, the least any run through the aws CLI can take.
        cliFloor: () => sink.uploadOutputOf(`${dump} | zstd -q -1 -T0`),
        cliStart: () => run('aws', ['--version']),
      });
    } finally {
      await sink.stop();
    }
    const { plain, pipeline, nullSink, cliFloor, cliStart } = timings;
    const payload = pipeline.result;
    // gzip -6 is 10x slower: one round of it, after the rest.
    const gzip = await timed(() => run('bash', ['-c', `set -o pipefail; ${dump} | gzip -6 > '${join(dir, 'dump.sql.gz')}'`]));
    const gzipBytes = statSync(join(dir, 'dump.sql.gz')).size;

    return [
      {
        name: 'mysql dump-to-S3 / plain dump',
        ratio: pipeline.seconds / plain.seconds,
        detail: `${(payload.rawSize / MB).toFixed(0)} MB dump: plain ${plain.seconds.toFixed(2)} s, pipeline ${pipeline.seconds.toFixed(2)} s [target <= 1.6x]`,
      },
      {
        name: 'mysql dump-to-null-sink / plain dump',
        ratio: nullSink.seconds / plain.seconds,
        detail: `the same run, the aws CLI uploading to an endpoint that discards: ${nullSink.seconds.toFixed(2)} s, of which 3 aws CLI starts (secret, upload, manifest) ${(3 * cliStart.seconds).toFixed(2)} s [target <= 1.6x]`,
      },
      {
        name: 'mysql dump | zstd | aws s3 cp / plain',
        ratio: cliFloor.seconds / plain.seconds,
        detail: `the floor under both rows above: compression and the aws CLI's upload to the discarding endpoint alone, ${cliFloor.seconds.toFixed(2)} s [the full run's target <= 1.6x]`,
      },
      {
        name: 'mysql gzip -6 pipeline / null-sink pipeline',
        ratio: gzip.seconds / nullSink.seconds,
        detail: 'both write nothing to S3 [target >= 5x]',
      },
      {
        name: 'mysql gzip -6 pipeline / zstd | aws floor',
        ratio: gzip.seconds / cliFloor.seconds,
        detail: "the most any pipeline through the aws CLI can reach here [the full run's target >= 5x]",
      },
      {
        name: 'mysql gzip -6 pipeline / cronsnap pipeline',
        ratio: gzip.seconds / pipeline.seconds,
        detail: `gzip -6 ${gzip.seconds.toFixed(2)} s, ${(gzipBytes / MB).toFixed(0)} MB; zstd -1 ${(payload.size / MB).toFixed(0)} MB (${((payload.size / gzipBytes) * 100).toFixed(0)}% of gzip) [target >= 5x, smaller]`,
      },
    ];
  });
}
