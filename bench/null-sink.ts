import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stand-in `aws` for benchmarks: every S3 write is read and discarded, and SSM answers with
 * $BENCH_PASSWORD. Run with it first on PATH, the host script's own work (dump, hashing, zstd,
 * tees) is timed without the S3 stand-in's Python ingest competing for the same 2 cores.
 * Returns the host environment that puts it on PATH.
 */
export function nullSinkHostEnv(dir: string, password = ''): Record<string, string> {
  const bin = join(dir, 'null-sink-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'aws'),
    ['#!/bin/sh', 'for arg in "$@"; do [ "$arg" = get-parameter ] && { printf "%s\\n" "$BENCH_PASSWORD"; exit 0; }; done', 'cat >/dev/null', ''].join('\n'),
  );
  chmodSync(join(bin, 'aws'), 0o755);
  return { PATH: `${bin}:${process.env.PATH ?? ''}`, BENCH_PASSWORD: password };
}
