# MySQL/MariaDB restore functions: download the dump and check its sha256 before anything else;
# restore the chosen databases (sections of the dump), each under its own name or another
# (RESTORE_AS). A database that exists on the target with tables is never overwritten. Runs after
# common.sh, mysql-client.sh and mysql-replay.sh; database-restore-main.sh and mysql-drill.sh drive it.

load_database_restore_params() {
  load_restore_common_params
  PAYLOAD_KEY=$(param payloadKey)
  PAYLOAD_SHA256=$(param payloadSha256)
  PAYLOAD_SIZE=$(param payloadSize)
  local server
  server=$(param server)
  DB_HOST=${server%:*} DB_PORT=${server##*:}
  DB_USER=$(param user)
  read -r -a MYSQL <<<"$(param mysql)"
  IFS=',' read -r -a DATABASES <<<"$(param databases)"
  WORK_PARENT=$(param workDir)
  load_replay_params
}

fetch_dump() {
  step download
  ARCHIVE="$CRONSNAP_WORK/dump.sql.zst"
  download_verified "$PAYLOAD_KEY" "$PAYLOAD_SHA256" "$ARCHIVE"
}

# renames: "name=target,..." for every database restored under another name.
renames() {
  local name list=''
  for name in "${DATABASES[@]}"; do
    [ "$(target_name "$name")" = "$name" ] || list+="${list:+,}$name=$(target_name "$name")"
  done
  printf '%s' "$list"
}

# The dump's header (session settings, replication coordinates) and the sections of the chosen
# databases; a section restored under another name has its CREATE DATABASE and USE lines name it.
# A dump of MySQL with GTIDs on sets GTID_PURGED (possibly over several lines), as for seeding a
# new replica: the server that was dumped refuses it (ERROR 3546, the set overlaps what it has
# executed) and any other would count transactions it never ran. Its SQL_LOG_BIN=0 would keep the
# restore out of the binary log, so replicas would never get it. A restore is new writes, logged
# with GTIDs of their own: these statements are left out, with the one that sets SQL_LOG_BIN back
# at the end (setting it at all needs a privilege the restoring user may lack).
select_sections() {
  awk -v keep="$(IFS=,; echo "${DATABASES[*]}")" -v renames="$(renames)" '
    BEGIN {
      n = split(keep, names, ","); for (i = 1; i <= n; i++) wanted[names[i]] = 1
      n = split(renames, pairs, ","); for (i = 1; i <= n; i++) { split(pairs[i], pair, "="); target[pair[1]] = pair[2] }
      on = 1; name = ""; gtids = 0
    }
    gtids { gtids = ($0 !~ /;[[:space:]]*$/); next }
    /^SET @@GLOBAL\.GTID_PURGED[[:space:]]*=/ { gtids = ($0 !~ /;[[:space:]]*$/); next }
    /^SET @@SESSION\.SQL_LOG_BIN[[:space:]]*=[[:space:]]*(0|@MYSQLDUMP_TEMP_LOG_BIN)[[:space:]]*;/ { next }
    /^-- Current Database: `/ { name = $0; sub(/^-- Current Database: `/, "", name); sub(/`$/, "", name); on = (name in wanted) }
    on && (name in target) && /^(CREATE DATABASE|USE) / { gsub("`" name "`", "`" target[name] "`") }
    on { print }'
}

# objects_in DATABASE: "<base tables> <views>" of DATABASE on the target server.
objects_in() {
  mysql_query "$DB_HOST" "$DB_PORT" "SELECT SUM(TABLE_TYPE = 'BASE TABLE'), SUM(TABLE_TYPE = 'VIEW') FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1'" \
    | sed 's/NULL/0/g'
}

# A database that exists empty is restored into; one with tables or views is refused, since the
# dump drops and recreates each of its objects (mysqldump's DROP TABLE / DROP VIEW IF EXISTS).
plan() {
  step plan
  local name target tables views
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    read -r tables views <<<"$(objects_in "$target")"
    if [ "$tables" -gt 0 ] || [ "$views" -gt 0 ]; then
      fail "database $target on $DB_HOST:$DB_PORT has $tables tables and $views views; restore under a new name (targetDatabase) or move it aside yourself; nothing was changed"
    fi
    report plan "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"server\": $(json_str "$DB_HOST:$DB_PORT")}"
  done
}

# Under another name, object definitions that name their own database (view bodies, triggers,
# routines and events created as `shop.name`) must name the new one, or they would collide with the
# live database's; and the copy's events are created disabled, so a copy made to check a backup
# never runs the live database's scheduled work. Data lines (INSERT and its rows) are left alone so
# no value is rewritten.
rename_references() {
  local pair source pairs=() expressions=()
  IFS=',' read -r -a pairs <<<"$(renames)"
  [ ${#pairs[@]} -gt 0 ] || { cat; return; }
  for pair in "${pairs[@]}"; do
    source=$(printf '%s' "${pair%%=*}" | sed 's/[$.-]/\\&/g')
    expressions+=(-e "/^(INSERT INTO |\()/! s/(^|[^A-Za-z0-9_\$\`])\`?$source\`?\./\1\`${pair#*=}\`./g")
  done
  expressions+=(-e '/^\/\*!50106 CREATE\*\/ .*EVENT /s/( ON COMPLETION (NOT )?PRESERVE) ENABLE /\1 DISABLE /')
  sed -E "${expressions[@]}"
}

apply_restore() {
  step restore
  zstd -q -d -c "$ARCHIVE" | select_sections | rename_references \
    | "${MYSQL[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" --default-character-set=utf8mb4 2>"$CRONSNAP_WORK/restore.err" \
    || fail "restoring into $DB_HOST:$DB_PORT failed: $(error_line "$CRONSNAP_WORK/restore.err")"
  replay_logs
  local name target tables views
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    read -r tables views <<<"$(objects_in "$target")"
    report restored "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"tables\": $tables, \"views\": $views}"
  done
}

# fetch_and_log_in: the restore's preflight: the tools, free space for the dump, the private work
# dir, the dump (and the binary logs of a point-in-time restore) downloaded, verified and checked,
# and a checked login. The caller holds the job's lock.
fetch_and_log_in() {
  require_commands "${MYSQL[0]}" zstd aws flock awk
  require_free_space "$WORK_PARENT" $((PAYLOAD_SIZE + 1048576))
  make_work_dir "$WORK_PARENT"
  fetch_dump
  fetch_replay_logs
  check_replay
  write_credentials
  check_login "$DB_HOST" "$DB_PORT"
}
