# cronsnap host library: sourced ahead of every engine script in the generated SSM documents.
# Parameters arrive as SSM_<name> environment variables (interpolationType ENV_VAR), never as text
# spliced into this script. Every failure ends in exactly one line: "cronsnap: FAILED step=<step>: <why>".
set -Eeuo pipefail
# No `shopt -s lastpipe`: bash 4.2 (RHEL/CentOS 7) crashes when the last element of a pipeline
# runs in the shell and holds a pipeline itself. upload_output reads a producer through a fifo instead.
umask 077

CRONSNAP_STEP=init
CRONSNAP_WORK=''

# The SSM agent exports AWS_SSM_REGION_NAME, not AWS_DEFAULT_REGION. CLI v2 falls back to the
# instance metadata's region, but CLI v1 does not, and hybrid (mi-) nodes have no metadata: without
# this, every secret read and upload there depends on a region someone happened to configure.
if [ -z "${AWS_DEFAULT_REGION:-}" ] && [ -n "${AWS_SSM_REGION_NAME:-}" ]; then
  export AWS_DEFAULT_REGION=$AWS_SSM_REGION_NAME
fi

log() { printf 'cronsnap: %s\n' "$*"; }

# What the functions read back goes to this file too, uploaded on exit when the sender gave a
# reportKey: GetCommandInvocation returns only the first 24,000 characters of stdout and 8,000
# of stderr, which long change lists, row counts or a noisy stderr exceed.
CRONSNAP_REPORT=$(mktemp "${TMPDIR:-/tmp}/cronsnap-report.XXXXXX")

# to_report LINE: LINE on the report file and on stdout (FAILED lines go to stderr instead).
to_report() {
  printf '%s\n' "$1" >>"$CRONSNAP_REPORT"
  case $1 in
    'cronsnap: FAILED '*) printf '%s\n' "$1" >&2 ;;
    *) printf '%s\n' "$1" ;;
  esac
}

fail() {
  to_report "cronsnap: FAILED step=$CRONSNAP_STEP: $*"
  exit 1
}

on_error() {
  local rc=$?
  # Subshells inherit the trap; only the main shell speaks, so the reason stays one line.
  if [ "$BASH_SUBSHELL" -eq 0 ]; then
    to_report "cronsnap: FAILED step=$CRONSNAP_STEP: command failed with exit code $rc (line $1)"
  fi
  exit "$rc"
}

# upload_report: the report file to s3://<bucket>/<reportKey><host>, if there is anything to say.
# It is read only when the run failed or reported findings, so a quiet success costs no upload.
upload_report() {
  local key=${SSM_reportKey:-} bucket=${SSM_bucket:-}
  [ -n "$key" ] && [ -n "$bucket" ] && [ -s "$CRONSNAP_REPORT" ] || return 0
  aws_cli s3 cp "$CRONSNAP_REPORT" "s3://$bucket/$key$(host_id)" --only-show-errors --content-type text/plain >/dev/null 2>&1 \
    || printf 'cronsnap: could not upload the report to s3://%s/%s%s\n' "$bucket" "$key" "$(host_id)" >&2
}

# Functions run on any exit before the work dir goes, e.g. starting a service the run stopped.
CRONSNAP_EXIT_HOOKS=()

cleanup() {
  local hook
  # ${a[@]+...}: bash before 4.4 (RHEL/CentOS 7) calls an empty array unbound under set -u.
  for hook in ${CRONSNAP_EXIT_HOOKS[@]+"${CRONSNAP_EXIT_HOOKS[@]}"}; do "$hook" || printf 'cronsnap: exit hook %s failed\n' "$hook" >&2; done
  stop_taps
  upload_report
  rm -f -- "$CRONSNAP_REPORT"
  # Only the private dir this run created is removed; nothing outside it is ever deleted.
  if [ -n "$CRONSNAP_WORK" ] && [ -d "$CRONSNAP_WORK" ]; then rm -rf -- "$CRONSNAP_WORK"; fi
}

trap 'on_error $LINENO' ERR
trap cleanup EXIT

step() {
  CRONSNAP_STEP=$1
  log "step=$1"
}

# param NAME: the value of document parameter NAME, failing with its name when it is required and empty.
param() {
  local var="SSM_$1"
  [ -n "${!var:-}" ] || fail "document parameter '$1' is empty"
  printf '%s' "${!var}"
}

optional_param() {
  local var="SSM_$1"
  printf '%s' "${!var:-}"
}

# require_commands TOOL...: fails at step=requirements, naming each missing tool and where it
# comes from, before any tool's own complaint could; bash itself must be 4.2 or later.
require_commands() {
  local before=$CRONSNAP_STEP missing=() cmd
  CRONSNAP_STEP=requirements
  if [ "${BASH_VERSINFO[0]}" -lt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -lt 2 ]; }; then
    fail "bash $BASH_VERSION is older than 4.2, the oldest cronsnap runs on (RHEL/CentOS 7 has 4.2)"
  fi
  for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd ($(install_hint "$cmd"))"); done
  [ ${#missing[@]} -eq 0 ] || fail "missing on this host: ${missing[*]}"
  CRONSNAP_STEP=$before
}

# install_hint TOOL: where a missing tool comes from.
install_hint() {
  case ${1##*/} in
    zstd) echo 'package zstd: EPEL on RHEL/CentOS 7, the distribution elsewhere' ;;
    aws) echo 'the aws CLI, v1 or v2' ;;
    flock) echo 'package util-linux' ;;
    timeout | stat | base64) echo 'package coreutils' ;;
    curl) echo 'package curl (curl-minimal on Amazon Linux 2023), for the revision bump after an etcd restore before 3.5' ;;
    tar) echo 'GNU tar 1.26 or later' ;;
    cmp) echo 'package diffutils' ;;
    find) echo 'package findutils' ;;
    jq) echo 'package jq (EPEL on RHEL/CentOS 7), for a JSON secret' ;;
    perl) echo 'package perl, for row counts' ;;
    etcdctl | etcd | etcdutl) echo 'etcd 3.2 or later, or the path in the job' ;;
    mysqldump | mysql) echo 'the MySQL or MariaDB client, or the path in the job' ;;
    pg_dump | pg_dumpall | pg_restore | psql) echo 'the PostgreSQL client, or the path in the job' ;;
    *) echo 'not on the agent PATH' ;;
  esac
}

# error_line FILE: what a client's stderr says went wrong: its first error line, else its last
# line that is not blank (pg_restore ends with the failed command and a blank line, not the error).
error_line() {
  grep -m 1 -E '(^|: )(error|ERROR|FATAL|PANIC)[: ]' "$1" || grep -v '^[[:space:]]*$' "$1" | tail -n 1 || true
}

now_iso() { date -u +%Y-%m-%dT%H:%M:%SZ; }

host_id() {
  # The SSM agent exports the managed instance ID; outside SSM (local runner) the caller sets it.
  printf '%s' "${AWS_SSM_INSTANCE_ID:-$(hostname)}"
}

# While a restore of a job is under way on a host (between its separate commands), this file
# exists there and no backup of the job starts: a cold copy must not stop a member mid-restore.
restore_marker() { printf '%s/cronsnap-%s.restoring' "${CRONSNAP_LOCK_DIR:-/var/lock}" "$1"; }

# acquire_job_lock JOB [SET]: one lock per job (and linked set) and host, so two runs never
# overlap on a host. A restore sets CRONSNAP_RESTORING to its job so its own marker lets it pass.
acquire_job_lock() {
  local job=$1 set=${2:-} dir=${CRONSNAP_LOCK_DIR:-/var/lock}
  mkdir -p "$dir"
  exec 9>"$dir/cronsnap-$job${set:+-$set}.lock"
  flock -n 9 || fail "another run of job '$job' is still in progress on $(host_id)"
  if [ "${CRONSNAP_RESTORING:-}" != "$job" ] && [ -e "$(restore_marker "$job")" ]; then
    fail "a restore of job '$job' is under way on $(host_id) (since $(cat "$(restore_marker "$job")"))"
  fi
}

# service_command LOG COMMAND...: a service stop/start with the job lock's descriptor closed, so a
# daemon it launches does not hold the lock once this run has ended.
service_command() {
  local log=$1
  shift
  "$@" >>"$log" 2>&1 9>&-
}

make_work_dir() {
  local parent=$1
  [ -d "$parent" ] || fail "work dir $parent does not exist"
  CRONSNAP_WORK=$(mktemp -d "$parent/cronsnap.XXXXXX")
}

# require_free_space DIR BYTES: fails unless DIR's filesystem has BYTES free.
require_free_space() {
  local dir=$1 needed=$2 available
  available=$(( $(df -Pk "$dir" | awk 'NR==2 {print $4}') * 1024 ))
  [ "$available" -ge "$needed" ] || fail "not enough free space in $dir: need $needed bytes, have $available"
}

json_str() {
  local s
  s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# help_mentions TEXT COMMAND...: whether COMMAND's output (its --help, say) mentions TEXT. Read whole:
# `| grep -q` under pipefail fails with SIGPIPE whenever the command is still writing when grep exits.
help_mentions() {
  local text=$1 help
  shift
  help=$("$@" 2>&1 || true)
  [[ "$help" == *"$text"* ]]
}

# sha256 of stdin as lower-case hex. openssl uses SHA-NI where present: ~6x faster than coreutils here.
sha256_stdin() {
  if command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r | awk '{print $1}'
  else
    sha256sum | awk '{print $1}'
  fi
}

aws_cli() {
  # Neither aws CLI v1 nor Debian's v2.9 reads AWS_ENDPOINT_URL, so an override is passed explicitly.
  if [ -n "${CRONSNAP_AWS_ENDPOINT_URL:-}" ]; then
    aws --endpoint-url "$CRONSNAP_AWS_ENDPOINT_URL" "$@"
  else
    aws "$@"
  fi
}

# tap NAME COMMAND...: a fifo $CRONSNAP_WORK/NAME.fifo whose contents COMMAND consumes in the
# background, its output going to NAME.out; `wait_taps` collects them and removes the fifos, so a
# name can be tapped again (postgres uploads one part after another).
CRONSNAP_TAPS=()
CRONSNAP_TAP_NAMES=()
tap() {
  local name=$1
  shift
  mkfifo "$CRONSNAP_WORK/$name.fifo" || fail "cannot make the fifo for $name"
  "$@" <"$CRONSNAP_WORK/$name.fifo" >"$CRONSNAP_WORK/$name.out" &
  CRONSNAP_TAPS+=($!)
  CRONSNAP_TAP_NAMES+=("$name")
}

# reap_past_fifo PID FIFO reader|writer: waits for PID, the given end of FIFO, when nobody is
# left at the other end. If PID never got as far as opening FIFO (its counterpart died first, or
# it simply had not been scheduled yet), its open() would block forever, and opening the fifo
# read-write beside it cannot help a process that comes to open() later. So a helper opens the
# other end, blocking until PID arrives, and closes it at once: end of stream for a reader, a
# broken pipe for a writer. The helper is killed once PID is gone, in case PID had come and gone.
reap_past_fifo() {
  local pid=$1 fifo=$2 side=$3 helper rc=0
  if [ "$side" = reader ]; then (: >"$fifo") & else (: <"$fifo") & fi
  helper=$!
  wait "$pid" || rc=$?
  kill "$helper" 2>/dev/null || true
  wait "$helper" 2>/dev/null || true
  return "$rc"
}

# wait_taps [ignore]: fails explicitly on a tap that failed (callers run inside
# `pipeline || fail ...`, where bash ignores errexit); `ignore` only reaps them.
# shellcheck disable=SC2120 # `wait_taps ignore` comes from upload_compressed, in backup-upload.sh
wait_taps() {
  local i rc
  for i in "${!CRONSNAP_TAPS[@]}"; do
    rc=0
    reap_past_fifo "${CRONSNAP_TAPS[$i]}" "$CRONSNAP_WORK/${CRONSNAP_TAP_NAMES[$i]}.fifo" reader || rc=$?
    rm -f -- "$CRONSNAP_WORK/${CRONSNAP_TAP_NAMES[$i]}.fifo"
    [ "${1:-}" = ignore ] || [ "$rc" -eq 0 ] || fail "reading the stream for ${CRONSNAP_TAP_NAMES[$i]} failed with exit code $rc"
  done
  CRONSNAP_TAPS=()
  CRONSNAP_TAP_NAMES=()
}

tap_value() { cat "$CRONSNAP_WORK/$1.out"; }

# The process upload_output feeds an upload from (backup-upload.sh), killed with the taps.
CRONSNAP_PRODUCER=''

# stop_taps: on a failed run, the taps still reading are killed rather than left holding the
# agent's output open until the document's time limit.
stop_taps() {
  local pid
  for pid in ${CRONSNAP_TAPS[@]+"${CRONSNAP_TAPS[@]}"} $CRONSNAP_PRODUCER; do kill "$pid" 2>/dev/null || true; done
}

# tee_on FILE...: tee that goes on feeding the other outputs when one reader stops early (a tap
# that stops at a dump's header, zstd refusing a corrupt payload). coreutils 8.24 and later say so
# with -p. Older tee (RHEL/CentOS 7 have 8.22) does the same with SIGPIPE ignored, but names each
# broken pipe and exits 1: that is success when every complaint was a broken pipe.
tee_on() {
  if tee -p </dev/null >/dev/null 2>&1; then
    tee -p "$@"
    return
  fi
  local errors rc=0
  errors=$(mktemp "$CRONSNAP_WORK/tee.XXXXXX")
  (
    trap '' PIPE
    exec tee "$@"
  ) 2>"$errors" || rc=$?
  if [ "$rc" -ne 0 ] && grep -qv 'Broken pipe$' "$errors"; then
    cat "$errors" >&2
    rm -f -- "$errors"
    return "$rc"
  fi
  rm -f -- "$errors"
}

# download_verified KEY SHA256 FILE: the object at KEY into FILE, failing (before anything else is
# touched) unless its sha256 is the manifest's.
download_verified() {
  local key=$1 expected=$2 file=$3
  aws_cli s3 cp "s3://$BUCKET/$key" "$file" --only-show-errors 2>"$file.err" \
    || fail "cannot download s3://$BUCKET/$key: $(tail -n 1 "$file.err")"
  rm -f -- "$file.err"
  check_download "$key" "$expected" "$file"
}

# check_download KEY SHA256 FILE: FILE, downloaded from KEY, has the sha256 its manifest names.
check_download() {
  local actual
  actual=$(sha256_stdin <"$3")
  [ "$actual" = "$2" ] || fail "sha256 of s3://$BUCKET/$1 is $actual but the manifest says $2; nothing was changed"
}

# manifest_payload MANIFEST WHERE: MANIFEST_KEY and MANIFEST_SHA256 of the payload a shipped log's
# manifest names (our own, its payload object on one line); fails naming WHERE when it names none.
manifest_payload() {
  MANIFEST_KEY=$(sed -n 's/.*"payload": {"key": "\([^"]*\)".*/\1/p' "$1")
  MANIFEST_SHA256=$(sed -n 's/.*"payload": {[^}]*"sha256": "\([0-9a-f]\{64\}\)".*/\1/p' "$1")
  if [ -z "$MANIFEST_KEY" ] || [ -z "$MANIFEST_SHA256" ]; then fail "$2 names no payload key and sha256; nothing was changed"; fi
}

# report KIND JSON: one machine-readable line per finding or action, parsed by lib/ssm/report-lines.
report() { to_report "cronsnap: $1 $2"; }

# exists PATH: true for anything there, a dangling symlink included.
exists() { [ -e "$1" ] || [ -L "$1" ]; }

# Parameters every restore and drill shares.
# shellcheck disable=SC2034 # JOB, BUCKET, HOST: read by the restore and drill programs
load_restore_common_params() {
  JOB=$(param job)
  BUCKET=$(param bucket)
  HOST=$(host_id)
}
