import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPTS = resolve(__dirname, '../../../lib/host-scripts');
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const TIB = 1024 ** 4;
const S3_MAX_OBJECT = 5 * TIB;
const S3_MAX_PARTS = 10_000;

/**
 * The part size the aws CLI (s3transfer's ChunksizeAdjuster) picks for a stream it is told is
 * `size` bytes: its 8 MiB default doubled until the parts fit in 10,000, kept within 5 MiB to 5 GiB.
 */
function cliPartSize(size: number): number {
  let chunk = 8 * MIB;
  while (Math.ceil(size / chunk) > S3_MAX_PARTS) chunk *= 2;
  return Math.min(Math.max(chunk, 5 * MIB), 5 * GIB);
}

/** expect_payload RAW with the job's maxPayloadBytes, run in bash as the host programs run it. */
function expectedSize(raw: string, maxPayloadBytes = ''): string {
  const script = [
    'set -euo pipefail',
    `source '${SCRIPTS}/backup-upload.sh'`,
    `MAX_PAYLOAD_BYTES='${maxPayloadBytes}'`,
    `expect_payload '${raw}'`,
    'printf %s "$EXPECTED_SIZE"',
  ].join('\n');
  const result = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe('expect_payload: the size a streamed upload announces to the aws CLI', () => {
  it('is the data on the server and half again, plus 64 MiB, so a dump that outgrows its tables still fits', () => {
    expect(expectedSize('0')).toBe(String(64 * MIB));
    expect(expectedSize(String(100 * GIB))).toBe(String(150 * GIB + 64 * MIB));
  });

  it("is the job's maxPayloadGiB when it sets one, and unknown where nothing estimates it", () => {
    expect(expectedSize(String(100 * GIB), String(2 * GIB))).toBe(String(2 * GIB));
    expect(expectedSize('')).toBe('');
  });

  it.each([1 * MIB, 50 * GIB, 100 * GIB, 1 * TIB, 3 * TIB, 4 * TIB, 5 * TIB])('gives parts that hold a payload of up to 5 TiB in 10,000 or fewer (data on the server %d bytes)', (raw) => {
    const announced = Number(expectedSize(String(raw)));
    const part = cliPartSize(announced);

    expect(announced).toBeLessThanOrEqual(S3_MAX_OBJECT);
    // The payload that reaches S3 is at most what was announced, or S3's own limit.
    expect(Math.ceil(Math.min(announced, S3_MAX_OBJECT) / part)).toBeLessThanOrEqual(S3_MAX_PARTS);
  });

  it('needs the announcement: without it, the default parts stop at about 80 GB', () => {
    expect(Math.ceil((100 * GIB) / (8 * MIB))).toBeGreaterThan(S3_MAX_PARTS);
    expect(Math.ceil((100 * GIB) / cliPartSize(Number(expectedSize(String(100 * GIB)))))).toBeLessThanOrEqual(S3_MAX_PARTS);
  });
});
