# PostgreSQL recovery from a physical base backup and the shipped WAL. The base tar and the
# segments the recovery reads (to a time: up to the one that holds the first commit past it) are
# downloaded and checked against their manifests' sha256 before anything else. Then the base goes into a new data directory (never one that exists), a
# restore_command hands the server those segments (checking each again), and the server starts on
# a free loopback port, replays to the target second (or to the end of the chain) and is promoted.
# It is left running for the operator; the report says where, and the time it actually reached.
# A drill (mode drill) then reads back every database's row counts, stops the copy and removes it.
# Runs after common.sh, postgres-client.sh and wal-segments.sh.

load_recovery_params() {
  load_restore_common_params
  PAYLOAD_KEY=$(param payloadKey) PAYLOAD_SHA256=$(param payloadSha256) PAYLOAD_SIZE=$(param payloadSize) RAW_SIZE=$(param rawSize)
  WAL_PREFIX=$(param walPrefix) WAL_FIRST=$(param walFirst) WAL_LAST=$(param walLast) WAL_BYTES=$(param walBytes)
  WAL_SEARCH_FROM=$(optional_param walSearchFrom) WAL_TIMELINE=$((16#${WAL_FIRST:0:8}))
  set_segment_size "$(param walSegmentSize)"
  STOP_BEFORE=$(optional_param stopBefore)
  DATA_DIR=$(param dataDir) PORT=$(optional_param port) OS_USER=$(param osUser) SERVER_MAJOR=$(param serverMajor)
  read -r -a PG_CTL <<<"$(param pgCtl)"
  WORK_PARENT=$(param workDir) MODE=$(param mode) EXECUTION_TIMEOUT=$(param executionTimeout)
  # Beside the data dir and the server's own: the restore_command runs as the server's user, who
  # cannot enter our private work dir.
  STAGING="$DATA_DIR.cronsnap-wal"
  RECOVERY_LOG="$DATA_DIR/cronsnap-recovery.log"
  RECOVERY_STATE=planned
}

as_server_user() { runuser -u "$OS_USER" -- "$@"; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

choose_port() {
  if [ -n "$PORT" ]; then
    if port_taken "$PORT"; then fail "port $PORT on 127.0.0.1 is taken; name another (port), or none to have a free one chosen; nothing was changed"; fi
    return 0
  fi
  for PORT in $(seq 5433 5532); do
    if ! port_taken "$PORT"; then return 0; fi
  done
  fail "no free port on 127.0.0.1 from 5433 to 5532; name one (port); nothing was changed"
}

# check_target: everything the recovery needs of this host, before anything is downloaded.
check_target() {
  step check-target
  id -u "$OS_USER" >/dev/null 2>&1 || fail "there is no user $OS_USER on $HOST to run the restored server as (postgres.osUser)"
  if exists "$DATA_DIR"; then fail "$DATA_DIR exists: a recovery makes a new data directory and never writes into one; name another (dataDir); nothing was changed"; fi
  if exists "$STAGING"; then fail "$STAGING exists (left by another recovery?); remove it or name another dataDir; nothing was changed"; fi
  [ -d "$(dirname "$DATA_DIR")" ] || fail "the parent of $DATA_DIR does not exist; nothing was changed"
  as_server_user test -x "$(dirname "$DATA_DIR")" || fail "$OS_USER cannot enter $(dirname "$DATA_DIR"), where the new data directory would be; nothing was changed"
  # The server's socket goes into its own data dir, away from the live server's: its path must fit in a sockaddr_un.
  [ $((${#DATA_DIR} + 17)) -le 107 ] || fail "$DATA_DIR is too long a path to hold the restored server's socket; name a shorter one (dataDir)"
  local version major
  version=$("${PG_CTL[@]}" --version 2>/dev/null) || fail "${PG_CTL[0]} does not run on $HOST (postgres.pgCtl)"
  major=$(sed -n 's/^pg_ctl (PostgreSQL) \([0-9]*\).*/\1/p' <<<"$version")
  [ "$major" = "$SERVER_MAJOR" ] || fail "${PG_CTL[0]} is of PostgreSQL ${major:-unknown}, and the base backup of $SERVER_MAJOR; set postgres.pgCtl to that release's pg_ctl; nothing was changed"
  require_free_space "$(dirname "$DATA_DIR")" $((RAW_SIZE + WAL_BYTES + 4 * WAL_SEGMENT_SIZE))
  require_free_space "$WORK_PARENT" $((PAYLOAD_SIZE + WAL_BYTES + WAL_SEGMENT_SIZE + 1048576))
  choose_port
}

# How many segments the search for the one that ends a recovery to a time fetches in one aws CLI
# call: at most this many less one come down past it (and are not staged), for a call per batch.
SEARCH_BATCH=8

# wal_names FROM TO: every segment from FROM to TO, on the recovery's timeline.
wal_names() {
  local n last
  n=$(segment_number "$1") last=$(segment_number "$2")
  for (( ; n <= last; n++)); do printf '%s\n' "$(segment_name "$n" "$WAL_TIMELINE")"; done
}

# fetch_segments FROM TO: each segment verified against its manifest; any missing or changed fails
# the recovery before a data dir exists. The segments and their manifests come down in one aws CLI
# call: its start costs more than a segment's download.
fetch_segments() {
  local name manifest wanted=()
  while read -r name; do wanted+=(--include "$name.json" --include "$name.zst"); done < <(wal_names "$1" "$2")
  aws_cli s3 cp "s3://$BUCKET/$WAL_PREFIX/" "$CRONSNAP_WORK/wal/" --recursive --only-show-errors --exclude '*' "${wanted[@]}" 2>"$CRONSNAP_WORK/wal.err" \
    || fail "cannot download WAL segments $1 to $2 from s3://$BUCKET/$WAL_PREFIX/: $(tail -n 1 "$CRONSNAP_WORK/wal.err"); nothing was changed"
  while read -r name; do
    manifest="$CRONSNAP_WORK/wal/$name.json"
    [ -f "$manifest" ] || fail "WAL segment $name is not shipped (no s3://$BUCKET/$WAL_PREFIX/$name.json); nothing was changed"
    grep -q "\"segment\": \"$name\"" "$manifest" || fail "s3://$BUCKET/$WAL_PREFIX/$name.json is not the manifest of segment $name; nothing was changed"
    manifest_payload "$manifest" "s3://$BUCKET/$WAL_PREFIX/$name.json"
    [ "$MANIFEST_KEY" = "$WAL_PREFIX/$name.zst" ] || fail "s3://$BUCKET/$WAL_PREFIX/$name.json names $MANIFEST_KEY, not the segment beside it; nothing was changed"
    [ -f "$CRONSNAP_WORK/wal/$name.zst" ] || fail "WAL segment $name has a manifest but no s3://$BUCKET/$MANIFEST_KEY; nothing was changed"
    check_download "$MANIFEST_KEY" "$MANIFEST_SHA256" "$CRONSNAP_WORK/wal/$name.zst"
    printf '%s\n' "$MANIFEST_SHA256" >"$CRONSNAP_WORK/wal/$name.sha256"
    rm -f -- "$manifest"
  done < <(wal_names "$1" "$2")
}

# holds_stop NAME: whether the fetched segment holds a commit or abort at or past STOP_BEFORE: the
# recovery stops before the first one, so it reads no segment after this one. pg_waldump reads the
# segment alone, so a record that crosses into the next one is seen in neither, and the search ends
# a segment or more later, never before it. Whatever pg_waldump cannot read, the search goes on.
holds_stop() {
  zstd -q -d -c "$CRONSNAP_WORK/wal/$1.zst" >"$CRONSNAP_WORK/scan/$1" || fail "WAL segment $1 does not decompress; nothing was changed"
  TZ=UTC "$PG_WALDUMP" -p "$CRONSNAP_WORK/scan" -r Transaction "$1" >"$CRONSNAP_WORK/scan/records" 2>/dev/null || true
  rm -f -- "$CRONSNAP_WORK/scan/$1"
  # desc: COMMIT 2026-12-03 16:40:02.123456 UTC; a prepared transaction's names its xid first ("COMMIT_PREPARED 735: ...").
  sed -n 's/.* desc: \(COMMIT\|ABORT\)\(_PREPARED [0-9]*:\)\{0,1\} \([0-9]\{4\}-[0-9-]* [0-9:]*\)\.[0-9]* UTC.*/\3/p' "$CRONSNAP_WORK/scan/records" \
    | awk -v stop="$STOP_BEFORE" '$0 >= stop { found = 1; exit } END { exit !found }'
}

# search_stop: the segments from WAL_SEARCH_FROM on, a batch at a time, up to the first that holds
# a commit past the target, or to WAL_LAST, whose shipping run wrote one after it. Those of the last
# batch past it are dropped.
search_stop() {
  local n last end name
  n=$(segment_number "$WAL_SEARCH_FROM") last=$(segment_number "$WAL_LAST")
  mkdir "$CRONSNAP_WORK/scan"
  until [ -n "$WAL_END" ]; do
    end=$((n + SEARCH_BATCH - 1 < last ? n + SEARCH_BATCH - 1 : last))
    fetch_segments "$(segment_name "$n" "$WAL_TIMELINE")" "$(segment_name "$end" "$WAL_TIMELINE")"
    for (( ; n <= end; n++)); do
      name=$(segment_name "$n" "$WAL_TIMELINE")
      if [ -n "$WAL_END" ]; then
        rm -f -- "$CRONSNAP_WORK/wal/$name.zst" "$CRONSNAP_WORK/wal/$name.sha256"
      elif [ "$n" -eq "$last" ] || holds_stop "$name"; then
        WAL_END=$name
      fi
    done
  done
  rm -rf -- "$CRONSNAP_WORK/scan"
}

# fetch_all: the base tar, and the segments the recovery reads: every one the plan names, or to a
# time those before WAL_SEARCH_FROM and then the search for the one that ends it, where pg_waldump
# of the base backup's release (beside its pg_ctl) can read them.
fetch_all() {
  step download
  download_verified "$PAYLOAD_KEY" "$PAYLOAD_SHA256" "$CRONSNAP_WORK/base.tar.zst"
  step download-wal
  WAL_END=''
  PG_WALDUMP="$(dirname "$(command -v "${PG_CTL[0]}")")/pg_waldump"
  if [ -z "$WAL_SEARCH_FROM" ] || [ ! -x "$PG_WALDUMP" ]; then
    if [ -n "$WAL_SEARCH_FROM" ]; then log "no pg_waldump beside ${PG_CTL[0]}: the WAL is fetched to the end of the shipping run after the target, $WAL_LAST"; fi
    fetch_segments "$WAL_FIRST" "$WAL_LAST"
    WAL_END=$WAL_LAST
  else
    local from
    from=$(segment_number "$WAL_SEARCH_FROM")
    if [ "$from" -lt "$(segment_number "$WAL_FIRST")" ] || [ "$from" -gt "$(segment_number "$WAL_LAST")" ]; then fail "walSearchFrom $WAL_SEARCH_FROM is not between walFirst $WAL_FIRST and walLast $WAL_LAST"; fi
    if [ "$from" -gt "$(segment_number "$WAL_FIRST")" ]; then fetch_segments "$WAL_FIRST" "$(segment_name $((from - 1)) "$WAL_TIMELINE")"; fi
    search_stop
  fi
  SEGMENTS=$(($(segment_number "$WAL_END") - $(segment_number "$WAL_FIRST") + 1))
}

report_plan() {
  report recoveryPlan "{\"dataDir\": $(json_str "$DATA_DIR"), \"server\": $(json_str "127.0.0.1:$PORT"), \"firstSegment\": $(json_str "$WAL_FIRST"), \"lastSegment\": $(json_str "$WAL_END"), \"segments\": $SEGMENTS, \"stopBefore\": $(json_str "$STOP_BEFORE")}"
}

# extract_base: the base tar into the new data dir, owned by the server's user. Where the server
# keeps its configuration outside the data dir (Debian), a minimal one stands in for it.
extract_base() {
  step extract
  (umask 077 && mkdir "$DATA_DIR") || fail "cannot create $DATA_DIR"
  RECOVERY_STATE=created
  zstd -q -d -c "$CRONSNAP_WORK/base.tar.zst" | tar -x -f - -C "$DATA_DIR" 2>"$CRONSNAP_WORK/tar.err" \
    || fail "the base backup does not unpack: $(tail -n 1 "$CRONSNAP_WORK/tar.err")"
  rm -f -- "$CRONSNAP_WORK/base.tar.zst"
  [ -f "$DATA_DIR/backup_label" ] || fail "the base backup has no backup_label: it is not a pg_basebackup of a running server"
  [ "$(cat "$DATA_DIR/PG_VERSION" 2>/dev/null)" = "$SERVER_MAJOR" ] || fail "the base backup's PG_VERSION is not $SERVER_MAJOR"
  mkdir -p "$DATA_DIR/pg_wal/archive_status"
  local written=()
  if [ ! -e "$DATA_DIR/postgresql.conf" ]; then : >"$DATA_DIR/postgresql.conf"; written+=('"postgresql.conf"'); fi
  if [ ! -e "$DATA_DIR/pg_hba.conf" ]; then
    printf '# cronsnap: the backed-up server kept its pg_hba.conf elsewhere\nlocal all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n' >"$DATA_DIR/pg_hba.conf"
    written+=('"pg_hba.conf"')
  fi
  if [ ! -e "$DATA_DIR/pg_ident.conf" ]; then : >"$DATA_DIR/pg_ident.conf"; written+=('"pg_ident.conf"'); fi
  if [ ${#written[@]} -gt 0 ]; then report configWritten "{\"files\": [$(IFS=,; printf '%s' "${written[*]}")]}"; fi
  chown -R "$OS_USER:" "$DATA_DIR"
  chmod 0700 "$DATA_DIR"
}

# stage_wal: the verified segments and the restore_command that hands them over, readable by the
# server's user alone. A segment that changed since it was checked aborts the recovery: PostgreSQL
# takes an exit status above 125 as fatal, where 1 would mean "no such segment" and end it early.
stage_wal() {
  (umask 077 && mkdir "$STAGING") || fail "cannot create $STAGING"
  CRONSNAP_EXIT_HOOKS+=(remove_staging)
  mv "$CRONSNAP_WORK/wal" "$STAGING/wal"
  cat >"$STAGING/restore-wal.sh" <<SCRIPT
#!/bin/sh
# restore_command of the cronsnap recovery of $JOB into $DATA_DIR.
segment="$STAGING/wal/\$1.zst"
[ -f "\$segment" ] || exit 1
if [ "\$($(command -v sha256sum) <"\$segment" | cut -c 1-64)" != "\$(cat "$STAGING/wal/\$1.sha256")" ]; then
  echo "cronsnap: WAL segment \$1 changed since it was checked" >&2
  exit 128
fi
exec $(command -v zstd) -q -d -f "\$segment" -o "\$2"
SCRIPT
  chmod 0700 "$STAGING/restore-wal.sh"
  chown -R "$OS_USER:" "$STAGING"
}

# configure_recovery: a copy that cannot disturb the live server (loopback only, its own port and
# socket dir, no archiving), and what it recovers to. PostgreSQL 12 and later read recovery
# settings from the configuration and recovery.signal; 10 and 11 from recovery.conf.
configure_recovery() {
  step configure
  local recovery
  recovery="restore_command = '$STAGING/restore-wal.sh \"%f\" \"%p\"'
recovery_target_timeline = 'current'
recovery_target_action = 'promote'"
  if [ -n "$STOP_BEFORE" ]; then
    recovery+="
recovery_target_time = '$STOP_BEFORE+00'
recovery_target_inclusive = off"
  fi
  cat >>"$DATA_DIR/postgresql.auto.conf" <<CONF
# cronsnap: this copy of $JOB was recovered to ${STOP_BEFORE:-the end of its shipped WAL}; it listens on loopback only and archives nowhere
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATA_DIR'
archive_mode = off
external_pid_file = ''
CONF
  if [ "$SERVER_MAJOR" -ge 12 ]; then
    printf '%s\n' "$recovery" >>"$DATA_DIR/postgresql.auto.conf"
    : >"$DATA_DIR/recovery.signal"
  else
    printf '%s\n' "$recovery" >"$DATA_DIR/recovery.conf"
  fi
  chown "$OS_USER:" "$DATA_DIR/postgresql.auto.conf" "$DATA_DIR"/recovery.*
}

# log_line PATTERN: the group of PATTERN (a sed BRE) in the last log line it matches.
log_line() { sed -n "s/.*$1/\\1/p" "$RECOVERY_LOG" | tail -n 1; }

# utc_iso TIME: a PostgreSQL log time (2026-12-03 17:40:01.001+01) as UTC ISO-8601.
utc_iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S.%3NZ; }

# recover: the server started on the copy, waited for until promoted. Its messages go to
# RECOVERY_LOG in English whatever the configuration says, as they are read here.
recover() {
  step recover
  RECOVERY_STATE=started
  service_command "$CRONSNAP_WORK/pg_ctl.log" as_server_user "${PG_CTL[@]}" -D "$DATA_DIR" -l "$RECOVERY_LOG" -W \
    -o "-c logging_collector=off -c log_destination=stderr -c lc_messages=C -c log_min_messages=warning" start \
    || fail "pg_ctl could not start the restored server: $(tail -n 1 "$CRONSNAP_WORK/pg_ctl.log")"
  local deadline=$((EXECUTION_TIMEOUT - 60)) started=$SECONDS pid=''
  until grep -q 'database system is ready to accept connections' "$RECOVERY_LOG" 2>/dev/null; do
    if [ -z "$pid" ] && [ -s "$DATA_DIR/postmaster.pid" ]; then pid=$(head -n 1 "$DATA_DIR/postmaster.pid"); fi
    if { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; } || { [ -z "$pid" ] && [ $((SECONDS - started)) -gt 60 ]; }; then
      fail "the restored server stopped during recovery: $(grep -E 'FATAL|PANIC' "$RECOVERY_LOG" | tail -n 1); $DATA_DIR is left for inspection"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "recovery did not finish in time; the server was stopped and $DATA_DIR is left for inspection ($RECOVERY_LOG)"
    sleep 1
  done
  RECOVERY_STATE=promoted
  local reached stopped timeline
  reached=$(log_line 'last completed transaction was at log time \(.*\)$')
  stopped=$(log_line 'recovery stopping before .*, time \(.*\)$')
  timeline=$(log_line 'selected new timeline ID: \([0-9]*\).*$')
  report recovered "{\"dataDir\": $(json_str "$DATA_DIR"), \"server\": $(json_str "127.0.0.1:$PORT"), \"socketDir\": $(json_str "$DATA_DIR"), \"timeline\": ${timeline:-null}, \"reachedAt\": $(if [ -n "$reached" ]; then json_str "$(utc_iso "$reached")"; else printf null; fi), \"stoppedBefore\": $(if [ -n "$stopped" ]; then json_str "$(utc_iso "$stopped")"; else printf null; fi)}"
}

# On the way out: a server not yet promoted is stopped; a data dir this run made and never started
# is removed (nothing else was ever in it); one that started is left for inspection. A drill's
# copy goes whatever happened.
finish_recovery() {
  if [ "$RECOVERY_STATE" = started ] || { [ "$MODE" = drill ] && [ "$RECOVERY_STATE" = promoted ]; }; then
    as_server_user "${PG_CTL[@]}" -D "$DATA_DIR" -m fast -w stop >/dev/null 2>&1 9>&- || true
  fi
  if [ "$RECOVERY_STATE" = created ] || { [ "$MODE" = drill ] && [ "$RECOVERY_STATE" != planned ]; }; then rm -rf -- "$DATA_DIR"; fi
}

# count_recovered: a drill's read-back: every database of the copy and its tables' rows, counted
# over the copy's own socket as its system user, by the dump's own query.
count_recovered() {
  step count
  local psql name
  psql="$(dirname "$(command -v "${PG_CTL[0]}")")/psql"
  [ -x "$psql" ] || psql=psql
  PSQL=(runuser -u "$OS_USER" -- "$psql") CONNECT=(-h "$DATA_DIR" -p "$PORT" -U "$OS_USER")
  while read -r name; do
    [ -n "$name" ] || continue
    report counted "{\"database\": $(json_str "$name"), \"into\": $(json_str "$name"), \"rows\": $(row_counts "$name")}"
  done < <(pg_query 'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname')
}

remove_staging() { rm -rf -- "$STAGING"; }

main() {
  step preflight
  load_recovery_params
  require_commands "${PG_CTL[0]}" zstd aws flock tar runuser sha256sum
  # A drill takes its own lock: it never holds up a backup or a restore of the job.
  if [ "$MODE" = drill ]; then acquire_job_lock "$JOB" drill; else CRONSNAP_RESTORING=$JOB; acquire_job_lock "$JOB"; fi
  check_target
  make_work_dir "$WORK_PARENT"
  fetch_all
  report_plan
  if [ "$MODE" != dry-run ]; then
    CRONSNAP_EXIT_HOOKS+=(finish_recovery)
    extract_base
    stage_wal
    configure_recovery
    recover
  fi
  if [ "$MODE" = drill ]; then count_recovered; fi
  report summary "{\"mode\": \"$MODE\"}"
  step finished
}

main
