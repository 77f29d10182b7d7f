import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const LEGACY_BASH = join(__dirname, '../../../shared/compat/bash-4.2.45');
const COMMON = join(__dirname, '../../lib/host-scripts/common.sh');
const present = existsSync(LEGACY_BASH);
if (!present) console.log(`skipped: host library under bash 4.2 (${LEGACY_BASH} absent)`);

/** RHEL/CentOS 7 run bash 4.2, where an empty array under `set -u` is an unbound variable. */
(present ? describe : describe.skip)('the host library under bash 4.2', () => {
  it('is the real bash 4.2', () => {
    expect(execFileSync(LEGACY_BASH, ['-c', 'echo $BASH_VERSION'], { encoding: 'utf8' })).toMatch(/^4\.2\./);
  });

  it('loads and exits 0 with no exit hooks, and runs the hooks it has', () => {
    const bare = spawnSync(LEGACY_BASH, ['-c', `source ${COMMON}; exit 0`], { encoding: 'utf8' });
    const hooked = spawnSync(LEGACY_BASH, ['-c', `source ${COMMON}; hook() { echo hook-ran; }; CRONSNAP_EXIT_HOOKS+=(hook); exit 0`], { encoding: 'utf8' });

    expect({ status: bare.status, stderr: bare.stderr }).toEqual({ status: 0, stderr: '' });
    expect({ status: hooked.status, stdout: hooked.stdout, stderr: hooked.stderr }).toEqual({ status: 0, stdout: 'hook-ran\n', stderr: '' });
  });
});
