# PostgreSQL restore functions: download every chosen part and check its sha256 before anything
# else; then each database is created and filled with `pg_restore -j` (custom format), under its
# own name or another (RESTORE_AS); a pg_dumpall goes through psql. An existing database is never
# restored over. Runs after common.sh and postgres-client.sh; database-restore-main.sh and
# postgres-drill.sh drive it.

# What becomes of a database that pg_restore leaves half written: kept for the operator (a drill
# drops its scratch databases on the way out); and whether a restored database gets its own
# properties back (a drill's scratch databases do not).
PARTIAL_FATE='is left for inspection'
RESTORE_PROPERTIES=true

load_database_restore_params() {
  load_restore_common_params
  load_postgres_server_params
  IFS=',' read -r -a DATABASES <<<"$(param databases)"
  IFS=',' read -r -a PART_KINDS <<<"$(param partKinds)"
  IFS=',' read -r -a PART_NAMES <<<"$(param partNames)"
  IFS=',' read -r -a PART_KEYS <<<"$(param partKeys)"
  IFS=',' read -r -a PART_SHA256S <<<"$(param partSha256s)"
  PARTS_SIZE=$(param partsSize)
  PARALLEL=$(param parallelJobs)
  read -r -a PG_RESTORE <<<"$(param pgRestore)"
}

download_parts() {
  step download
  local i
  for i in "${!PART_KEYS[@]}"; do
    download_verified "${PART_KEYS[$i]}" "${PART_SHA256S[$i]}" "$CRONSNAP_WORK/part-$i.zst"
  done
}

database_exists() { [ "$(pg_query "SELECT count(*) FROM pg_database WHERE datname = '$1'")" != 0 ]; }

plan() {
  step plan
  local name target
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    # Every server has a postgres database, and a pg_dumpall replays into it: allowed while it
    # holds no tables, so that nothing is restored over data.
    if [ "$name" = postgres ] && [ "${PART_KINDS[0]}" = dumpall ]; then
      local tables
      tables=$(table_count postgres)
      [ "$tables" -eq 0 ] || fail "database postgres on $PG_HOST:$PG_PORT has $tables tables, and a pg_dumpall replays into it; restore into another server; nothing was changed"
    elif database_exists "$target"; then
      fail "database $target exists on $PG_HOST:$PG_PORT; restore under a new name (targetDatabase) or into another server; nothing was changed"
    fi
    report plan "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"server\": $(json_str "$PG_HOST:$PG_PORT")}"
  done
}

table_count() {
  "${PSQL[@]}" "${CONNECT[@]}" -d "$1" -X -A -t -v ON_ERROR_STOP=1 \
    -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
}

# The errors a pg_dumpall (--clean --if-exists) replay meets on any server that already has its
# roles: the restoring user and the bootstrap superuser cannot be dropped, and then exist.
DUMPALL_EXPECTED_ERRORS='^ERROR:  (current user cannot be dropped|cannot drop role [^ ]+ because it is required by the database system|role "[^"]+" already exists)$'

# replay_script PART ERRORS PART_NAME WHAT: the SQL script PART decompressed into psql on the
# postgres database, its complaints to ERRORS. Without ON_ERROR_STOP psql goes on past a statement
# that fails and exits non-zero only when it cannot go on at all (no connection, an unreadable
# script): that, or zstd failing, fails the restore naming PART_NAME or WHAT.
replay_script() {
  local statuses=(0 0)
  zstd -q -d -c "$1" | "${PSQL[@]}" "${CONNECT[@]}" -d postgres -X -q >/dev/null 2>"$2" || statuses=("${PIPESTATUS[@]}")
  [ "${statuses[0]}" -eq 0 ] || fail "cannot decompress $3: zstd exited ${statuses[0]}"
  [ "${statuses[1]}" -eq 0 ] || fail "psql could not replay $4 (exit ${statuses[1]}): $(error_line "$2")"
}

# replay_dumpall PART: psql without ON_ERROR_STOP, since the roles that exist fail as expected;
# any other error fails the restore, naming it (the databases it created are left for inspection).
replay_dumpall() {
  local errors
  replay_script "$1" "$CRONSNAP_WORK/restore.err" 'the pg_dumpall' 'the pg_dumpall'
  errors=$(grep '^ERROR: ' "$CRONSNAP_WORK/restore.err" | grep -cvE "$DUMPALL_EXPECTED_ERRORS" || true)
  [ "$errors" -eq 0 ] || fail "the pg_dumpall replay met $errors errors, the first: $(grep '^ERROR: ' "$CRONSNAP_WORK/restore.err" | grep -vE "$DUMPALL_EXPECTED_ERRORS" | head -n 1); the databases it created are left for inspection"
  report replayed "{\"expectedErrors\": $(grep -cE "$DUMPALL_EXPECTED_ERRORS" "$CRONSNAP_WORK/restore.err" || true)}"
}

# database_statements DUMP NAME TARGET: the statements pg_dump --create wrote for database NAME
# itself (CREATE DATABASE with its encoding and locale, owner, settings, comment, grants), naming
# TARGET instead; nothing for an archive made without --create. A statement may span lines (a
# comment holding a newline): each is taken up to the line that ends it with ';' outside a string.
database_statements() {
  local from to
  from=$(pg_query "SELECT quote_ident('$2')") to=$(pg_query "SELECT quote_ident('$3')")
  "${PG_RESTORE[@]}" -C -s --section=pre-data -f - "$1" 2>"$CRONSNAP_WORK/properties.err" \
    | awk -v from="DATABASE $from" -v to="DATABASE $to" '
      !on && /^(CREATE DATABASE|ALTER DATABASE|COMMENT ON DATABASE|GRANT .* ON DATABASE|REVOKE .* ON DATABASE) / {
        at = index($0, from " ")
        if (at == 0) at = index($0, from ";")
        if (at > 0) { on = 1; $0 = substr($0, 1, at - 1) to substr($0, at + length(from)) }
      }
      # A ";" ends the statement only outside a string: after an even number of quotes (a quote
      # inside a string is doubled, which keeps the count even).
      on { print; quotes += gsub(/\047/, "\047"); if (/;$/ && quotes % 2 == 0) { on = 0; quotes = 0 } }'
}

# create_database DUMP NAME TARGET: TARGET created as NAME was, with its properties. A drill's
# scratch database is created plain: its user may not be able to give it the owner or grants.
create_database() {
  local statements=''
  if [ "$RESTORE_PROPERTIES" = true ]; then statements=$(database_statements "$@"); fi
  if [ -z "$statements" ]; then
    pg_query "CREATE DATABASE \"$3\"" >/dev/null
    return
  fi
  # CREATE DATABASE cannot share a transaction with the rest: if a later statement fails, the
  # database this created (plan made sure it did not exist) is dropped again.
  if ! "${PSQL[@]}" "${CONNECT[@]}" -d postgres -X -q -v ON_ERROR_STOP=1 <<<"$statements" >/dev/null 2>"$CRONSNAP_WORK/properties.err"; then
    pg_query "DROP DATABASE IF EXISTS \"$3\"" >/dev/null
    fail "creating $3 as $2 was (owner, settings, comment, grants) failed: $(error_line "$CRONSNAP_WORK/properties.err"); nothing was left on $PG_HOST:$PG_PORT"
  fi
  report properties "{\"database\": $(json_str "$2"), \"into\": $(json_str "$3")}"
}

apply_restore() {
  step restore
  local i name target
  for i in "${!PART_KINDS[@]}"; do
    name=${PART_NAMES[$i]}
    case ${PART_KINDS[$i]} in
      globals)
        # A role that already exists is reported and left as it is.
        replay_script "$CRONSNAP_WORK/part-$i.zst" "$CRONSNAP_WORK/globals.err" 'the globals part' 'the roles and tablespaces'
        report globals "{\"messages\": $(grep -c . "$CRONSNAP_WORK/globals.err" || true), \"alreadyExisted\": $(grep -c 'already exists' "$CRONSNAP_WORK/globals.err" || true)}" ;;
      dumpall)
        replay_dumpall "$CRONSNAP_WORK/part-$i.zst" ;;
      database)
        target=$(target_name "$name")
        # pg_restore -j reads the archive at random: it needs a file, not a pipe.
        zstd -q -d "$CRONSNAP_WORK/part-$i.zst" -o "$CRONSNAP_WORK/part-$i.dump"
        rm -f -- "$CRONSNAP_WORK/part-$i.zst"
        create_database "$CRONSNAP_WORK/part-$i.dump" "$name" "$target"
        "${PG_RESTORE[@]}" "${CONNECT[@]}" -d "$target" -j "$PARALLEL" --exit-on-error "$CRONSNAP_WORK/part-$i.dump" 2>"$CRONSNAP_WORK/restore.err" \
          || fail "pg_restore of $name into $target failed: $(error_line "$CRONSNAP_WORK/restore.err"); the partial database $target $PARTIAL_FATE"
        rm -f -- "$CRONSNAP_WORK/part-$i.dump" ;;
    esac
  done
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    report restored "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"tables\": $(table_count "$target")}"
  done
}

# fetch_and_log_in: the restore's preflight: the tools, free space for the parts plus one database
# unpacked at a time (the largest part bounds it), the private work dir, every part downloaded and
# verified, and a checked login. The caller holds the job's lock.
fetch_and_log_in() {
  require_commands "${PSQL[0]}" "${PG_RESTORE[0]}" zstd aws flock
  require_free_space "$WORK_PARENT" $((PARTS_SIZE * 4 + 1048576))
  make_work_dir "$WORK_PARENT"
  download_parts
  write_pgpass
  check_pg_login
}
