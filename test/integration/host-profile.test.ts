import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_PATH } from '../../lib/adapters/local-command-runner';
import { startEtcd } from '../../lib/local/etcd-server';
import { startMySql } from '../../lib/local/mysql-server';
import { startPostgres } from '../../lib/local/postgres-server';
import { COMPAT_DIR, currentProfile, writeLegacyWrappers } from '../helpers/host-profiles';

const profile = currentProfile();
const COMMON = join(__dirname, '../../lib/host-scripts/common.sh');
const LEGACY_BASH = join(COMPAT_DIR, 'bash-4.2.45');
const present = existsSync(LEGACY_BASH);
if (!present) console.log(`skipped: the host library under bash 4.2 (${COMPAT_DIR} absent)`);

/** A command as a stand-in host of this profile runs it: the profile's bin dir first on the agent's PATH, or in its root. */
function onHost(script: string) {
  const prefix = process.env.CRONSNAP_LOCAL_HOST_PATH;
  const enter = process.env.CRONSNAP_LOCAL_HOST_ENTER;
  const [command, ...args] = [...(enter ? [enter] : []), 'bash', '-c', script];
  return spawnSync(command ?? 'bash', args, { encoding: 'utf8', env: { PATH: prefix ? `${prefix}:${AGENT_PATH}` : AGENT_PATH } });
}

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

  it('reaps a tap whose writer died before opening its fifo instead of waiting for it forever', () => {
    // The old `tee -p` failure: tee refuses its option and exits, never opening the tap's fifo.
    const script = `source ${COMMON}; CRONSNAP_WORK=$(mktemp -d); tap hash sha256_stdin; seq 10 | sh -c 'exit 3' || true; wait_taps ignore; echo reaped`;

    const result = spawnSync(LEGACY_BASH, ['-c', script], { encoding: 'utf8', timeout: 20_000 });

    expect({ signal: result.signal, status: result.status, stdout: result.stdout }).toEqual({ signal: null, status: 0, stdout: 'reaped\n' });
  });

  it('reaps a fifo end that comes to open() only after its counterpart died, as a reader and as a writer', () => {
    // The late start stands in for a background process the scheduler has not yet run.
    const late = (redirect: string) => `{ sleep 0.5; exec ${redirect}; } &`;
    const script = [
      `source ${COMMON}; CRONSNAP_WORK=$(mktemp -d); mkfifo "$CRONSNAP_WORK/late.fifo" "$CRONSNAP_WORK/writer.fifo"`,
      `${late('sha256sum <"$CRONSNAP_WORK/late.fifo" >"$CRONSNAP_WORK/late.out"')} CRONSNAP_TAPS+=($!); CRONSNAP_TAP_NAMES+=(late)`,
      'wait_taps; tap_value late',
      `${late('seq 100000 >"$CRONSNAP_WORK/writer.fifo"')} reap_past_fifo $! "$CRONSNAP_WORK/writer.fifo" writer || echo "writer ended with $?"`,
    ].join('\n');

    for (const shell of [LEGACY_BASH, 'bash']) {
      const result = spawnSync(shell, ['-c', script], { encoding: 'utf8', timeout: 20_000 });
      expect({ shell, signal: result.signal, status: result.status, stdout: result.stdout }).toEqual({
        shell,
        signal: null,
        status: 0,
        stdout: `${createHash('sha256').digest('hex')}  -\nwriter ended with 141\n`,
      });
    }
  });

  it('feeds every tee_on output in full when one reader stops early, under 8.22 tee as under today\'s', () => {
    // head stops after one line; the file must still get all 100,000 lines.
    const script = (tee: string) =>
      `source ${COMMON}; CRONSNAP_WORK=$(mktemp -d); PATH=${tee}:$PATH; seq 100000 | tee_on "$CRONSNAP_WORK/all" | head -n 1; wc -l <"$CRONSNAP_WORK/all"`;
    const legacyTools = mkdtempSync(join(tmpdir(), 'cronsnap-legacy-tools-'));
    writeLegacyWrappers(legacyTools);

    for (const tee of ['/usr/bin', legacyTools]) {
      const result = spawnSync(LEGACY_BASH, ['-c', script(tee)], { encoding: 'utf8' });
      expect({ tee, status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ tee, status: 0, stdout: '1\n100000\n', stderr: '' });
    }
    rmSync(legacyTools, { recursive: true, force: true });
  });
});

describe(`the stand-in hosts of profile ${profile}`, () => {
  it('have bash, tee and tar on the agent PATH', () => {
    expect(onHost('command -v bash tee tar').stdout.split('\n').filter(Boolean)).toHaveLength(3);
  });

  const legacy = profile === 'legacy' || profile.startsWith('etcd-');

  // Each profile checks its own tools; the debian profile's are this machine's.
  if (legacy) it('run the real bash 4.2.45, tee without -p and tar without --verbatim-files-from', () => {
    expect(onHost('echo $BASH_VERSION').stdout).toMatch(/^4\.2\.45/);
    expect(onHost('tee -p </dev/null').status).not.toBe(0);
    expect(onHost('tar --verbatim-files-from --version').status).not.toBe(0);
    expect(onHost('tar --xattrs --acls --selinux --version').status).toBe(0);
  });

  const etcd = /^etcd-(.*)$/.exec(profile)?.[1];
  if (etcd) {
    it('run that release of etcd and etcdctl on the hosts', () => {
      expect(onHost('ETCDCTL_API=3 etcdctl version').stdout).toContain(`etcdctl version: ${etcd}`);
      expect(onHost('etcd --version').stdout).toContain(`etcd Version: ${etcd}`);
    });

    it("start the harness's own etcd servers from that release too", async () => {
      const server = await startEtcd({ name: 'profile-member' });
      try {
        expect(JSON.parse(await server.etcdctl(['endpoint', 'status', '-w', 'json']))).toEqual([expect.objectContaining({ Status: expect.objectContaining({ version: etcd }) })]);
      } finally {
        await server.stop();
      }
    });
  }

  if (profile === 'current') {
    it("run today's releases: bash 5, aws CLI v2, MySQL 9's client tools, PostgreSQL 18's, etcd 3.5's etcdctl and etcdutl", () => {
      const versions = onHost(
        'echo $BASH_VERSION; aws --version; mysqldump --version; mysqlbinlog --version; /usr/lib/postgresql/18/bin/pg_dump --version; etcdctl version; etcdutl version',
      ).stdout;
      expect(versions).toMatch(/^5\./);
      expect(versions).toMatch(/^aws-cli\/2\./m);
      expect(versions).toMatch(/^mysqldump {2}Ver 9\./m);
      expect(versions).toMatch(/^mysqlbinlog {2}Ver 9\./m);
      expect(versions).toMatch(/^pg_dump \(PostgreSQL\) 18\./m);
      expect(versions).toMatch(/^etcdctl version: 3\.5\./m);
      expect(versions).toMatch(/^etcdutl version: 3\.5\./m);
      expect(onHost('command -v mariadb mariadb-dump').stdout).toBe('');
    });

    it("start the harness's own servers from those releases, MySQL with GTIDs on", async () => {
      const [mysql, postgres, etcd] = await Promise.all([startMySql(), startPostgres(), startEtcd({ name: 'current-member' })]);
      try {
        expect((await mysql.sql('SELECT VERSION(), @@GLOBAL.gtid_mode')).trim()).toMatch(/^9\.\S+\tON$/);
        expect((await postgres.sql('SHOW server_version')).trim()).toMatch(/^18\./);
        expect(JSON.parse(await etcd.etcdctl(['endpoint', 'status', '-w', 'json']))).toEqual([expect.objectContaining({ Status: expect.objectContaining({ version: expect.stringMatching(/^3\.5\./) }) })]);
      } finally {
        await Promise.all([mysql.stop(), postgres.stop(), etcd.stop()]);
      }
    });
  }
});
