# PostgreSQL engine: globals plus one custom-format dump per database (or one pg_dumpall), each
# streamed through sha256 and zstd to S3, manifest last. Runs after common.sh in the same document.

load_postgres_params() {
  load_postgres_server_params
  MODE=$(param mode)
  DATABASES=$(optional_param databases)
  PARALLEL=$(param parallelDatabases)
  ROW_COUNTS=$(param rowCounts)
  read -r -a PG_DUMP <<<"$(param pgDump)"
  read -r -a PG_DUMPALL <<<"$(param pgDumpall)"
  read -r -a PG_BASEBACKUP <<<"$(param pgBasebackup)"
  CHECKPOINT=$(param checkpoint)
  WAL_SLOT=$(optional_param walSlot)
}

read_postgres_facts() {
  step server-facts
  check_pg_login
  SERVER_VERSION=$(pg_query 'SHOW server_version')
  if [ -n "$DATABASES" ]; then
    DUMPED_DATABASES=${DATABASES//,/ }
  else
    DUMPED_DATABASES=$(pg_query 'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1' | tr '\n' ' ')
  fi
}

# open_snapshot DATABASE: a psql session that holds a repeatable-read transaction open on
# DATABASE, counts every table's rows in it (ROWS_JSON) and exports its snapshot (SNAPSHOT), so
# that `pg_dump --snapshot` dumps exactly the rows counted. close_snapshot ends it.
open_snapshot() {
  coproc SNAPSHOT_SESSION { "${PSQL[@]}" "${CONNECT[@]}" -d "$1" -X -A -t -q -v ON_ERROR_STOP=1 2>"$CRONSNAP_WORK/snapshot.err"; }
  printf 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\nSELECT pg_export_snapshot();\n%s;\n' "$ROW_COUNTS_SQL" >&"${SNAPSHOT_SESSION[1]}"
  { read -r SNAPSHOT && read -r ROWS_JSON; } <&"${SNAPSHOT_SESSION[0]}" \
    || fail "cannot count the rows of $1 in a snapshot: $(tail -n 1 "$CRONSNAP_WORK/snapshot.err")"
}

close_snapshot() {
  local pid=$SNAPSHOT_SESSION_PID fd=${SNAPSHOT_SESSION[1]}
  printf 'COMMIT;\n' >&"$fd"
  exec {fd}>&-
  wait "$pid"
}

# part_json NAME KIND: the last upload_compressed as a manifest part.
part_json() {
  local payload
  payload=$(payload_json)
  printf '{"name": %s, "kind": %s, %s' "$(json_str "$1")" "$(json_str "$2")" "${payload#\{}"
}

# dump_part KEY NAME KIND COMMAND...: streams COMMAND's output to KEY and records it.
dump_part() {
  local key=$1 name=$2 kind=$3
  shift 3
  PAYLOAD_KEY="$OUTPUT_PREFIX/$key"
  upload_output "$PAYLOAD_KEY" "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID,postgres-part=$name" "$CRONSNAP_WORK/dump.err" "$@" \
    || fail "dump of $name from $PG_HOST:$PG_PORT failed: $(tail -n 1 "$CRONSNAP_WORK/dump.err")"
  PARTS_JSON+="${PARTS_JSON:+,}$(part_json "$name" "$kind")"
  # The first part (globals, or the whole dumpall) is the manifest's primary payload.
  [ -n "$PRIMARY_PAYLOAD" ] || PRIMARY_PAYLOAD=$(payload_json)
}

# database_worker NAME DIR: one database's part, in a subshell with DIR as its own work dir and
# report (fifos, taps and files by name stay apart), leaving part.json and rows.json there; a
# failure leaves its one FAILED line in DIR/report for the main shell to give.
database_worker() {
  local name=$1
  CRONSNAP_WORK=$2 CRONSNAP_REPORT=$2/report PARTS_JSON='' ROWS_JSON=''
  CRONSNAP_TAPS=() CRONSNAP_TAP_NAMES=()
  local snapshot_args=()
  if [ "$ROW_COUNTS" = true ]; then
    open_snapshot "$name"
    snapshot_args=(--snapshot="$SNAPSHOT")
  fi
  expect_payload "$(pg_query "SELECT pg_database_size('$name')")"
  # -Z0: zstd compresses better and faster than the custom format's own zlib.
  # --create puts the database's own properties (encoding, locale, owner, settings, comment,
  # grants) in the archive; pg_restore into an existing database skips them, a restore reads them.
  dump_part "databases/$name.dump.zst" "$name" database "${PG_DUMP[@]}" "${CONNECT[@]}" -d "$name" -Fc -Z0 --create ${snapshot_args[@]+"${snapshot_args[@]}"}
  if [ "$ROW_COUNTS" = true ]; then close_snapshot; fi
  printf '%s' "$PARTS_JSON" >"$2/part.json"
  printf '%s' "$ROWS_JSON" >"$2/rows.json"
}

# finish_worker: waits for the oldest running worker (bash 4.2 has no `wait -n`); the first
# failure is kept, and no worker is started after it.
finish_worker() {
  local rc=0 dir=${WORKER_DIRS[0]} name=${WORKER_NAMES[0]}
  wait "${WORKER_PIDS[0]}" || rc=$?
  WORKER_PIDS=("${WORKER_PIDS[@]:1}") WORKER_DIRS=("${WORKER_DIRS[@]:1}") WORKER_NAMES=("${WORKER_NAMES[@]:1}")
  if [ "$rc" -ne 0 ] && [ -z "$WORKER_FAILURE" ]; then
    WORKER_FAILURE=$(sed -n 's/^cronsnap: FAILED step=[^:]*: //p' "$dir/report" 2>/dev/null | head -n 1)
    WORKER_FAILURE=${WORKER_FAILURE:-dump of $name failed with exit code $rc}
  fi
}

# dump_databases NAMES...: up to PARALLEL databases dumped at once, each its own part, recorded
# in the order given whatever order they finish in.
dump_databases() {
  local name index=0 dirs=() dir
  WORKER_PIDS=() WORKER_DIRS=() WORKER_NAMES=() WORKER_FAILURE=''
  for name in "$@"; do
    [ -z "$WORKER_FAILURE" ] || break
    dir="$CRONSNAP_WORK/database-$index"
    mkdir "$dir"
    (database_worker "$name" "$dir") 2>"$dir/stderr" &
    WORKER_PIDS+=($!) WORKER_DIRS+=("$dir") WORKER_NAMES+=("$name")
    dirs+=("$dir")
    index=$((index + 1))
    if [ ${#WORKER_PIDS[@]} -ge "$PARALLEL" ]; then finish_worker; fi
  done
  while [ ${#WORKER_PIDS[@]} -gt 0 ]; do finish_worker; done
  [ -z "$WORKER_FAILURE" ] || fail "$WORKER_FAILURE"
  ROW_COUNTS_JSON=''
  for dir in ${dirs[@]+"${dirs[@]}"}; do
    PARTS_JSON+=",$(cat "$dir/part.json")"
    if [ "$ROW_COUNTS" = true ]; then ROW_COUNTS_JSON+="${ROW_COUNTS_JSON:+, }$(json_str "$1"): $(cat "$dir/rows.json")"; fi
    shift
  done
}

# ensure_wal_slot: the job's physical replication slot, created (reserving WAL at once) when
# missing, so every segment from the base backup's start on stays on the server until shipped.
ensure_wal_slot() {
  [ -n "$WAL_SLOT" ] || return 0
  SLOT_CREATED=$(pg_query "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$WAL_SLOT') THEN 'false'
    ELSE (SELECT 'true' FROM pg_create_physical_replication_slot('$WAL_SLOT', true)) END") \
    || fail "cannot create the replication slot $WAL_SLOT on $PG_HOST:$PG_PORT (the user needs the REPLICATION attribute)"
}

# The label pg_basebackup sends first in the base tar: where the backup's WAL replay starts.
# tar stops once it has it (tee_on drops this output then).
backup_label_of() { tar -xOf - --occurrence=1 backup_label; }

# base_backup_stream: the base tar on stdout (-X none: the shipped WAL carries the rest), fed
# to the backup-label tap on the way.
base_backup_stream() {
  "${PG_BASEBACKUP[@]}" "${CONNECT[@]}" -D - -Ft -X none --checkpoint="$CHECKPOINT" --label "cronsnap $JOB $RUN_ID" \
    | tee_on "$CRONSNAP_WORK/backup-label.fifo"
}

# base_backup: the whole cluster as one tar stream (pg_basebackup -Ft -D -) without its WAL,
# which the job's WAL shipping carries. One stream holds one tablespace, so a cluster with more
# is refused up front rather than by pg_basebackup at the end of a long checkpoint.
base_backup() {
  local tablespaces
  tablespaces=$(pg_query "SELECT string_agg(spcname || ' at ' || pg_tablespace_location(oid), ', ' ORDER BY spcname) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')")
  [ -z "$tablespaces" ] || fail "a physical base backup streams one tar, which cannot carry the tablespaces outside the data directory ($tablespaces); back this server up per-database"
  ensure_wal_slot
  read_cluster_identity
  expect_payload "$(pg_query 'SELECT sum(pg_database_size(datname))::bigint FROM pg_database')"
  tap backup-label backup_label_of
  dump_part base.tar.zst base base-backup base_backup_stream
  # backup_label has where replay starts; the end record is written before pg_basebackup returns,
  # so the position now is at or after it: a restore waits for that much WAL, never less.
  WAL_END=$(pg_query 'SELECT pg_current_wal_lsn()')
  read -r WAL_START TIMELINE < <(sed -n 's/^START WAL LOCATION: \([0-9A-F]*\/[0-9A-F]*\) .*$/\1/p; s/^START TIMELINE: \([0-9]*\)$/\1/p' <<<"$(tap_value backup-label)" | tr '\n' ' ') || true
  if [ -z "$WAL_START" ] || [ -z "$TIMELINE" ]; then fail "the base backup's tar stream has no backup_label naming where its WAL starts"; fi
}

dump_all() {
  step dump
  PARTS_JSON='' PRIMARY_PAYLOAD=''
  if [ "$MODE" = physical ]; then
    base_backup
    return
  fi
  if [ "$MODE" = dumpall ]; then
    expect_payload "$(pg_query 'SELECT sum(pg_database_size(datname))::bigint FROM pg_database')"
    dump_part all-databases.sql.zst all-databases dumpall "${PG_DUMPALL[@]}" "${CONNECT[@]}" --clean --if-exists
    return
  fi
  # Roles and tablespaces: far below the aws CLI's default part size times 10,000.
  expect_payload ''
  dump_part globals.sql.zst globals globals "${PG_DUMPALL[@]}" "${CONNECT[@]}" --globals-only
  local names=()
  read -r -a names <<<"$DUMPED_DATABASES"
  dump_databases ${names[@]+"${names[@]}"}
}

# physical_json: the base backup's place in the WAL, for a restore to find the segments it needs.
physical_json() {
  [ "$MODE" = physical ] || return 0
  printf ',\n    "physical": {"systemIdentifier": %s, "timeline": %s, "walStart": %s, "walEnd": %s, "walSegmentSize": %s, "slot": %s, "slotCreated": %s}' \
    "$(json_str "$SYSTEM_ID")" "$TIMELINE" "$(json_str "$WAL_START")" "$(json_str "$WAL_END")" "$WAL_SEGMENT_SIZE" "$(json_str "$WAL_SLOT")" "${SLOT_CREATED:-false}"
}

write_postgres_manifest() {
  step manifest
  local manifest="$CRONSNAP_WORK/manifest.json" names=() name list=''
  read -r -a names <<<"$DUMPED_DATABASES"
  for name in ${names[@]+"${names[@]}"}; do list+="${list:+,}$(json_str "$name")"; done
  cat >"$manifest" <<JSON
{
  $(manifest_header postgres),
  "payload": $PRIMARY_PAYLOAD,
  "tools": {
    "pg_dump": $(json_str "$("${PG_DUMP[@]}" --version 2>/dev/null | head -n 1)"),
    "pg_basebackup": $(json_str "$(if [ "$MODE" = physical ]; then "${PG_BASEBACKUP[@]}" --version 2>/dev/null | head -n 1; fi)"),
    "zstd": $(json_str "$(zstd_version)")
  },
  "postgres": {
    "server": $(json_str "$PG_HOST:$PG_PORT"),
    "serverVersion": $(json_str "$SERVER_VERSION"),
    "mode": $(json_str "$MODE"),
    "databases": [$list],
    "parts": [$PARTS_JSON],
    "rowCounts": $(if [ "$ROW_COUNTS" = true ] && [ "$MODE" = per-database ]; then printf '{%s}' "$ROW_COUNTS_JSON"; else printf null; fi)$(physical_json)
  }
}
JSON
  put_manifest "$manifest"
  log "manifest=s3://$BUCKET/$OUTPUT_PREFIX/manifest.json server=$PG_HOST:$PG_PORT"
}

main() {
  step preflight
  load_common_params
  load_postgres_params
  if [ "$MODE" = physical ]; then require_commands "${PG_BASEBACKUP[0]}"; else require_commands "${PG_DUMP[0]}" "${PG_DUMPALL[0]}"; fi
  require_commands "${PSQL[0]}" zstd aws flock
  acquire_job_lock "$JOB"
  make_work_dir "$WORK_PARENT"
  write_pgpass
  read_postgres_facts
  dump_all
  write_postgres_manifest
  step finished
}

main
