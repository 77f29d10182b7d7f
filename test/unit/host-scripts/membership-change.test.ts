import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../../lib/host-scripts/etcd-restore.sh');

/**
 * membership_change against an etcdctl that answers `answers` in turn (the last one for good), with
 * a member list that never shows the change made and no real waiting: its status and the calls made.
 */
function membershipChange(answers: readonly string[]): { status: number | null; calls: number } {
  const work = mkdtempSync(join(tmpdir(), 'cronsnap-membership-'));
  const script = `set -Eeuo pipefail
eval "$(sed -n '/^membership_change() {/,/^}/p' '${SCRIPT}')"
CRONSNAP_WORK='${work}' ENDPOINTS=https://10.0.0.1:2379 calls=0
answers=(${answers.map((answer) => `'${answer}'`).join(' ')})
etcdctl_cmd() { local answer=\${answers[calls]:-\${answers[-1]}}; calls=$((calls + 1)); echo "$answer" >&2; [ "$answer" = ok ]; }
membership_applied() { return 1; }
log() { :; }
sleep() { :; }
status=0; membership_change add etcd-c --peer-urls=https://10.0.0.3:2380 || status=$?
echo "$status $calls"`;
  const result = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' });
  rmSync(work, { recursive: true, force: true });
  expect(result.stderr).toBe('');
  const [status, calls] = result.stdout.trim().split(' ').map(Number);
  return { status: status ?? null, calls: calls ?? 0 };
}

const DROPPED = 'Error: rpc error: code = Unavailable desc = transport is closing';

describe('membership_change', () => {
  it('retries a change whose connection a busy member dropped, as it retries an unhealthy cluster', () => {
    expect(membershipChange([DROPPED, 'ok'])).toEqual({ status: 0, calls: 2 });
    expect(membershipChange(['Error: etcdserver: unhealthy cluster', 'ok'])).toEqual({ status: 0, calls: 2 });
  });

  it('gives up at once on any other refusal, and after six dropped connections', () => {
    expect(membershipChange(['Error: etcdserver: Peer URLs already exists'])).toEqual({ status: 1, calls: 1 });
    expect(membershipChange([DROPPED])).toEqual({ status: 1, calls: 6 });
  });
});
