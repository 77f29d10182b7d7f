import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** Where the legacy binaries live (see its README): beside this repository, in CI always. */
export const COMPAT_DIR = resolve(__dirname, '../../../shared/compat');

/**
 * The hosts the suites can stand in for. `debian` is this machine's own tools; `legacy` is a
 * RHEL/CentOS 7 host: the real bash 4.2.45, and tee and tar refusing what coreutils 8.22 and GNU
 * tar 1.26 lack; the etcd profiles add that release's real etcd and etcdctl to `legacy`. `current`
 * is a host of today's releases: every host program, server and client tool runs inside a Debian
 * unstable root (MySQL 9.x with GTIDs on, PostgreSQL 18, etcd 3.5, aws CLI v2, bash 5.3).
 */
export const HOST_PROFILES = ['debian', 'legacy', 'etcd-3.2.28', 'etcd-3.3.17', 'current'] as const;
export type HostProfile = (typeof HOST_PROFILES)[number];

/**
 * tee as coreutils 8.22 has it. `-p` and `--output-error` came in 8.24 (NEWS: "tee now accepts
 * the -p/--output-error option"). Without them 8.22 dies of SIGPIPE when a reader stops early,
 * or, with SIGPIPE ignored, warns, goes on with the other outputs and exits 1: that is today's
 * `--output-error=warn`, which the wrapper takes only when its caller ignores SIGPIPE (so that
 * today's tee does not ignore it on its own).
 */
const TEE_8_22 = `#!/bin/bash
for arg in "$@"; do
  case $arg in
    -p | --output-error | --output-error=*) echo "tee: invalid option -- 'p' (coreutils 8.22 has no $arg)" >&2; exit 1 ;;
    --) break ;;
  esac
done
sigign=$(awk '/^SigIgn:/ {print $2}' /proc/$$/status)
if (( 0x$sigign & 0x1000 )); then exec -a tee /usr/bin/tee --output-error=warn "$@"; fi
exec -a tee /usr/bin/tee "$@"
`;

/**
 * GNU tar as RHEL/CentOS 7 ship it: 1.26 with Red Hat's xattrs patch (--xattrs, --acls,
 * --selinux, --xattrs-include, which upstream added in 1.27). Refused, with the release that
 * added each (upstream NEWS): --verbatim-files-from and --no-verbatim-files-from (1.29),
 * --clamp-mtime (1.29), --sort (1.28), --zstd (1.32), --owner-map and --group-map (1.29).
 */
const TAR_1_26 = `#!/bin/bash
for arg in "$@"; do
  case $arg in
    --verbatim-files-from | --no-verbatim-files-from | --clamp-mtime | --sort | --sort=* | --zstd | --owner-map=* | --group-map=*)
      echo "tar: unrecognized option '$arg'" >&2; echo "Try 'tar --help' or 'tar --usage' for more information." >&2; exit 64 ;;
  esac
done
exec -a tar /usr/bin/tar "$@"
`;

/** Writes the coreutils 8.22 tee and tar 1.26 wrappers into `bin`. */
export function writeLegacyWrappers(bin: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'tee'), TEE_8_22, { mode: 0o755 });
  writeFileSync(join(bin, 'tar'), TAR_1_26, { mode: 0o755 });
}

/** The release's etcd and etcdctl, unpacked once into `cache`. */
function etcdRelease(version: string, cache: string): string {
  const dir = join(cache, `etcd-v${version}`);
  if (!existsSync(join(dir, 'etcdctl'))) {
    const partial = `${cache}/.unpack-${process.pid}`;
    mkdirSync(partial, { recursive: true });
    execFileSync('sh', ['-c', `zstd -dc '${COMPAT_DIR}/etcd-v${version}-linux-amd64.tar.zst' | tar -x -C '${partial}'`]);
    // Another jest worker may have unpacked it meanwhile; either copy is the same.
    if (!existsSync(dir)) renameSync(join(partial, `etcd-v${version}`), dir);
  }
  return dir;
}

/** What makes this machine the profile's host, for the harness and for its stand-in hosts. */
export interface ProfileSetup {
  /** A bin dir put first on the harness's own PATH, so the servers the tests start are the host's. */
  readonly harnessPath?: string;
  /** A bin dir put first on every stand-in host's PATH (LocalCommandRunner's pathPrefix). */
  readonly hostPath?: string;
  /** A program every stand-in host's shell runs under (LocalCommandRunner's enter). */
  readonly hostEnter?: string;
  /** Environment the local servers read: which MySQL, which PostgreSQL. */
  readonly env: Readonly<Record<string, string>>;
  /** The dirs to remove after the suite. */
  readonly scratch: readonly string[];
}

/** The legacy tools' bin dir: bash 4.2.45 (as bash and as RHEL 7's /bin/sh), tee 8.22, tar 1.26, and the release's etcd. */
function legacyBinDir(profile: HostProfile, cache: string): string {
  if (!existsSync(COMPAT_DIR)) throw new Error(`host profile ${profile} needs ${COMPAT_DIR}, which is absent`);
  const bin = join(cache, `bin-${profile}-${process.pid}`);
  writeLegacyWrappers(bin);
  symlinkSync(join(COMPAT_DIR, 'bash-4.2.45'), join(bin, 'bash'));
  // RHEL/CentOS 7's /bin/sh is that bash in POSIX mode: the agent runs the documents' loaders with it.
  symlinkSync(join(COMPAT_DIR, 'bash-4.2.45'), join(bin, 'sh'));
  const etcd = /^etcd-(.*)$/.exec(profile)?.[1];
  if (etcd) {
    const release = etcdRelease(etcd, cache);
    for (const tool of ['etcd', 'etcdctl']) symlinkSync(join(release, tool), join(bin, tool));
  }
  return bin;
}

/** Writes a script whole or not at all: another jest worker may be running the one it replaces. */
function writeExecutable(path: string, text: string): void {
  writeFileSync(`${path}.${process.pid}`, text, { mode: 0o755 });
  renameSync(`${path}.${process.pid}`, path);
}

/** The repository, mounted into the current host's root: suites hand the hosts paths under it. */
const REPOSITORY = resolve(__dirname, '../..');

/** The tools the harness itself starts or queries, which on the current profile are the root's. */
const CURRENT_HARNESS_TOOLS = ['etcd', 'etcdctl', 'etcdutl', 'mysqld', 'mysql', 'mysqldump', 'mysqlbinlog', 'mysqladmin', 'runuser', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_basebackup', 'pg_receivewal', 'pg_waldump'];

/**
 * The root of today's releases, built once per machine by scripts/ensure-current-host.sh (which
 * prints it), and the program that enters it: a private mount namespace with this machine's /proc,
 * /dev, /sys, /tmp and the repository at the same paths, chrooted, in the caller's working directory.
 * The harness's wrappers leave PATH, or they would enter again from inside.
 */
function currentHost(cache: string): ProfileSetup {
  const root = execFileSync('bash', [join(REPOSITORY, 'scripts/ensure-current-host.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  // One bin dir per root, kept: a suite's afterAll still stops its servers with these tools after
  // the setup's own afterAll has run, and the files are the same for every worker.
  const bin = join(cache, `bin-${basename(root)}`);
  mkdirSync(bin, { recursive: true });
  const enter = join(bin, 'enter-current-host');
  // POSIX sh throughout: a bash started with a socket for stdin (as node gives its children) reads ~/.bashrc.
  writeExecutable(
    enter,
    `#!/bin/sh
path= IFS=:
set -f
for dir in $PATH; do [ "$dir" = '${bin}' ] || path=\${path:+$path:}$dir; done
unset IFS
PATH=$path exec /usr/bin/unshare --mount --propagation private /bin/sh -c '
  root=$1 cwd=$2
  shift 2
  for dir in /proc /dev /sys /tmp ${REPOSITORY}; do mkdir -p "$root$dir" && /bin/mount --rbind "$dir" "$root$dir" || exit 125; done
  exec /usr/sbin/chroot "$root" /bin/sh -c "cd \\"\\$0\\" && exec \\"\\$@\\"" "$cwd" "$@"
' enter-current-host '${root}' "$PWD" "$@"
`,
  );
  for (const tool of CURRENT_HARNESS_TOOLS) writeExecutable(join(bin, tool), `#!/bin/sh\nexec '${enter}' ${tool} "$@"\n`);
  return {
    harnessPath: bin,
    hostEnter: enter,
    env: { CRONSNAP_LOCAL_MYSQL: 'mysql', CRONSNAP_LOCAL_POSTGRES_BIN: '/usr/lib/postgresql/18/bin' },
    scratch: [],
  };
}

/** What the profile needs set up on this machine: nothing for `debian`. */
export function profileSetup(profile: HostProfile, cache: string): ProfileSetup {
  if (profile === 'debian') return { env: {}, scratch: [] };
  if (profile === 'current') return currentHost(cache);
  // The etcd profiles' servers run the release too, so the harness takes the same bin dir.
  const bin = legacyBinDir(profile, cache);
  return { harnessPath: bin, hostPath: bin, env: {}, scratch: [bin] };
}

/**
 * Whether the profile's hosts have etcdutl 3.5+, whose `snapshot restore --bump-revision` moves
 * every revision up at restore (restores and drills then bump offline, not through the API).
 */
export function hostsBumpRevisionsOffline(profile: HostProfile): boolean {
  return profile === 'current';
}

/** The profile this jest run stands in for, from CRONSNAP_HOST_PROFILE. */
export function currentProfile(): HostProfile {
  const named = process.env.CRONSNAP_HOST_PROFILE ?? 'debian';
  if (!(HOST_PROFILES as readonly string[]).includes(named)) throw new Error(`CRONSNAP_HOST_PROFILE: '${named}' is none of ${HOST_PROFILES.join(', ')}`);
  return named as HostProfile;
}
