#!/usr/bin/env bash
# The whole test run, as CI runs it: install, type-check, lint, then every jest project on this
# machine's tools, then the host programs' suites again on the seeds' hosts (legacy profiles) and
# on a host of today's releases (current profile).
set -euo pipefail
cd "$(dirname "$0")/.."
# CI never passes with the legacy host profiles left out: say so before anything runs.
if [ $# -eq 0 ] && [ ! -d ../shared/compat ] && [ -n "${CI:-}" ]; then
  echo "failed: ../shared/compat is absent, and CI never passes without the legacy host profiles (bash 4.2, etcd 3.2/3.3)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "cronsnap tests need root: they install the servers with apt-get, mount a tmpfs (a full work dir), run PostgreSQL through runuser and restore files' owners with chown; run them as root (CI does)" >&2
  exit 1
fi
bash scripts/ensure-deps.sh

echo "== type-check"
npx tsc --noEmit
echo "== lint"
npx eslint --max-warnings 0 .
npx tsx scripts/lint-host-scripts.ts
echo "== layering"
npm run --silent layering

mkdir -p .tmp
status=0
summaries=()

# run_jest PROFILE ARGS...: one jest run with the stand-in hosts of PROFILE; its counts are kept for
# the summary. A suite that failed outside its tests (a hook, an audit in afterAll) counts as failed,
# and a suite named in ARGS that did not run (renamed, say) fails the run.
run_jest() {
  local profile=$1 results=".tmp/jest-$1.json"
  shift
  echo "== tests ($profile hosts)"
  rm -f "$results"
  CRONSNAP_HOST_PROFILE=$profile npx jest --ci --maxWorkers=2 --json --outputFile="$results" "$@" || status=1
  summaries+=("$(npx tsx scripts/jest-summary.ts "$results" "$profile" "$@")") || status=1
}

run_jest debian "$@"

# Each host program once on a RHEL/CentOS 7 host (bash 4.2.45, coreutils 8.22's tee, tar 1.26);
# the etcd programs there with the seeds' etcd releases and their own etcdctl (the etcd profiles
# include the legacy tools, so their suites are not run a third time).
HOST_PROGRAM_SUITES=(host-profile program-loader etcd-member-files file-set-backup host-limits mysql-backup mysql-binlogs postgres-backup postgres-wal postgres-recovery database-drill faults agent-environment output-limits retention)
ETCD_SUITES=(host-profile etcd-backup etcd-restore etcd-static-pod restore-drill)
if [ $# -gt 0 ]; then
  echo "legacy profiles: not run for a selection of tests"
elif [ ! -d ../shared/compat ]; then
  echo "skipped: legacy host profiles (bash 4.2, etcd 3.2/3.3): ../shared/compat is absent"
else
  # Paths before --selectProjects, which would take them as project names.
  run_jest legacy "${HOST_PROGRAM_SUITES[@]/#/test/integration/}" --selectProjects integration
  for release in 3.2.28 3.3.17; do
    run_jest "etcd-$release" "${ETCD_SUITES[@]/#/test/integration/}" --selectProjects integration
  done
fi

# The database and etcd programs once more on a host of today's releases (MySQL 9 with GTIDs on,
# PostgreSQL 18, etcd 3.5, aws CLI v2, bash 5.3): a Debian unstable root, built once per machine.
CURRENT_SUITES=(host-profile mysql-backup mysql-binlogs postgres-backup postgres-wal postgres-recovery database-drill etcd-backup etcd-restore restore-drill)
if [ $# -gt 0 ]; then
  echo "current releases profile: not run for a selection of tests"
else
  echo "== current releases host (Debian unstable root)"
  bash scripts/ensure-current-host.sh
  run_jest current "${CURRENT_SUITES[@]/#/test/integration/}" --selectProjects integration
fi

echo "== summary"
printf 'jest %s\n' "${summaries[@]}"
exit "$status"
