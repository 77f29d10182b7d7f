#!/usr/bin/env bash
# Builds, once per machine, the root of a host running today's releases (Debian unstable: MySQL 9.x,
# PostgreSQL 18, etcd 3.5, aws CLI v2, bash 5.3) for the `current` host profile, and prints its path.
# It lives outside the clone (1.5 GB; built in about 90 s from Debian's package registry), keyed by
# what goes into it, so every clone on the machine shares one.
set -euo pipefail

# The releases docs/host-requirements.md says are proven, pinned: a registry that moved on fails the build, naming
# the version it lacks, rather than test another release under their names.
PACKAGES=(mysql-server=9.7.4-2 mysql-client=9.7.4-2 postgresql-18=18.6-3 etcd-server=3.5.30-2 etcd-client=3.5.30-2 awscli=2.38.1-1
  zstd jq openssl curl attr procps util-linux ca-certificates)
cache=${CRONSNAP_HOST_ROOT_CACHE:-/var/cache/cronsnap}
# The host's postgres and mysql users own the test servers' files on both sides of the chroot, so
# the root's users carry the same ids (and a machine whose ids differ builds its own root).
ids="postgres=$(id -u postgres):$(id -g postgres) mysql=$(id -u mysql):$(id -g mysql)"
key=$( { printf '%s\n' "${PACKAGES[@]}" "$ids"; cat "$0"; } | sha256sum | cut -c 1-12)
root=$cache/current-host-$key
if [ -f "$root/.complete" ]; then
  echo "$root"
  exit 0
fi
mkdir -p "$cache"
# One build at a time (jest workers, two clones): the others wait and take its root.
exec 9>"$cache/.build.lock"
flock 9
if [ -f "$root/.complete" ]; then
  echo "$root"
  exit 0
fi

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
partial=$(mktemp -d "$cache/.building-XXXXXX")
# A host's root: its users (postgres, mysql) walk it.
chmod 755 "$partial"
trap 'rm -rf --one-file-system "$partial" "$partial.log"' EXIT
echo "ensure-current-host: building a Debian unstable root with ${PACKAGES[*]} (once per machine)" >&2
debootstrap --variant=minbase sid "$partial" http://deb.debian.org/debian >"$partial.log" 2>&1 || { tail -n 20 "$partial.log" >&2; exit 1; }
# The registry's unstable Release file is older than its Valid-Until; no service starts in a chroot.
echo 'Acquire::Check-Valid-Until "false";' >"$partial/etc/apt/apt.conf.d/99cronsnap"
printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
chmod +x "$partial/usr/sbin/policy-rc.d"
for user in postgres mysql; do
  chroot "$partial" groupadd -g "$(id -g "$user")" "$user"
  chroot "$partial" useradd -u "$(id -u "$user")" -g "$user" -d "/var/lib/$user" -s /bin/bash "$user" 2>/dev/null
done
# Package scripts need /proc and /dev (dpkg logs through a pty); a private mount namespace keeps
# them from outliving the install.
unshare --mount --propagation private sh -c "mount -t proc proc '$partial/proc' && mount --rbind /dev '$partial/dev' && chroot '$partial' apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive chroot '$partial' apt-get install -y -qq --no-install-recommends ${PACKAGES[*]} >'$partial.log' 2>&1 \
  && chroot '$partial' apt-get clean" || { grep -B 3 -A 3 -i error "$partial.log" | tail -n 30 >&2; exit 1; }
touch "$partial/.complete"
mv "$partial" "$root"
rm -f "$partial.log"
trap - EXIT
# Roots of earlier recipes take 1.5 GB each, but another clone's tests may be running in one.
for old in "$cache"/current-host-*; do
  [ "$old" = "$root" ] || echo "ensure-current-host: $old is an earlier recipe's root; remove it when no test runs in it" >&2
done
echo "$root"
