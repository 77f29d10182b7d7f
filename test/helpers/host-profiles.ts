import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the legacy binaries live (see its README): beside this repository, in CI always. */
export const COMPAT_DIR = resolve(__dirname, '../../../shared/compat');

/**
 * The hosts the suites can stand in for. `debian` is this machine's own tools; `legacy` is a
 * RHEL/CentOS 7 host: the real bash 4.2.45, and tee and tar refusing what coreutils 8.22 and GNU
 * tar 1.26 lack; the etcd profiles add that release's real etcd and etcdctl to `legacy`.
 */
export const HOST_PROFILES = ['debian', 'legacy', 'etcd-3.2.28', 'etcd-3.3.17'] as const;
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

/**
 * The bin dir that makes this machine the profile's host: put first on the hosts' PATH (and the
 * test harness's, for the etcd profiles, so their clusters run that release). `undefined` for
 * `debian`, which needs none.
 */
export function profileBinDir(profile: HostProfile, cache: string): string | undefined {
  if (profile === 'debian') return undefined;
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

/** The profile this jest run stands in for, from CRONSNAP_HOST_PROFILE. */
export function currentProfile(): HostProfile {
  const named = process.env.CRONSNAP_HOST_PROFILE ?? 'debian';
  if (!(HOST_PROFILES as readonly string[]).includes(named)) throw new Error(`CRONSNAP_HOST_PROFILE: '${named}' is none of ${HOST_PROFILES.join(', ')}`);
  return named as HostProfile;
}
