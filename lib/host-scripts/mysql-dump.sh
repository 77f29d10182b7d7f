# MySQL/MariaDB engine: a consistent mysqldump of the server mysql-server.sh finds, streamed
# through sha256 | zstd | S3, manifest last.

load_mysql_params() {
  load_mysql_server_params
  read -r -a MYSQLDUMP <<<"$(param mysqldump)"
  DATABASES=$(optional_param databases)
  ROW_COUNTS=$(param rowCounts)
}

read_server_facts() {
  step server-facts
  SERVER_VERSION=$(mysql_query "$DB_HOST" "$DB_PORT" 'SELECT VERSION()')
  LOG_BIN=$(mysql_query "$DB_HOST" "$DB_PORT" 'SELECT @@global.log_bin')
  BINLOG_SERVER=''
  if [ "$LOG_BIN" = 1 ]; then BINLOG_SERVER=$(binlog_server_key); fi
  if [ -n "$DATABASES" ]; then
    DUMPED_DATABASES=${DATABASES//,/ }
  else
    DUMPED_DATABASES=$(mysql_query "$DB_HOST" "$DB_PORT" 'SHOW DATABASES' | grep -v -x -E 'information_schema|performance_schema|sys' | tr '\n' ' ' || true)
  fi
  DUMP_ARGS=(--single-transaction --routines --triggers --events --hex-blob --default-character-set=utf8mb4)
  if [ "$LOG_BIN" = 1 ]; then
    # MySQL 8.0.26 renamed --master-data; both write the position as a comment at the top.
    if help_mentions --source-data "${MYSQLDUMP[@]}" --help; then DUMP_ARGS+=(--source-data=2); else DUMP_ARGS+=(--master-data=2); fi
  fi
  if [ -n "$DATABASES" ]; then
    local names=()
    read -r -a names <<<"$DUMPED_DATABASES"
    DUMP_ARGS+=(--databases "${names[@]}")
  else
    DUMP_ARGS+=(--all-databases)
  fi
}

# Keeps the replication coordinates, which mysqldump writes in the header, and stops reading there
# (the dump's tee_on drops this output then); scanning 100s of MB would cost a core. MySQL writes
# a GTID set of several servers over several lines, up to the statement's `;`.
binlog_coordinates() {
  awk '/^-- Current Database:/ { exit }
    gtid || /GTID_PURGED/ { print; gtid = ($0 !~ /;[[:space:]]*$/); next }
    /CHANGE (MASTER|REPLICATION SOURCE) TO|gtid_slave_pos/ { print }'
}

# The rows of every table as the dump holds them, {"db": {"table": rows}}, for restore drills to
# compare with: one pass over the stream, in the dump's own snapshot. A row is a "(" outside any
# quoted string of an INSERT statement (MySQL writes a statement on one line, MariaDB a row a line);
# escaped quotes and backslashes go first so quotes alternate code and string.
count_dump_rows() {
  perl -e '
    my ($db, $t, $in, %rows) = ("", "", 0);
    sub json { my $s = shift; $s =~ s/``/`/g; $s =~ s/(["\\])/\\$1/g; $s =~ s/([\x00-\x1f])/sprintf("\\u%04x", ord $1)/ge; "\"$s\"" }
    while (<STDIN>) {
      if (!$in) {
        if (/^INSERT INTO `((?:[^`]|``)+)` VALUES/) { ($t, $in) = ($1, 1); $_ = substr($_, $+[0]) }
        elsif (/^-- Current Database: `((?:[^`]|``)+)`$/) { $db = $1; next }
        elsif (/^CREATE TABLE `((?:[^`]|``)+)` \($/) { $rows{$db}{$1} //= 0; next }
        else { next }
      }
      s/\\[\\\x27]//g if index($_, "\\") >= 0;
      my @parts = split /\x27/, $_, -1;
      for (my $i = 0; $i < @parts; $i += 2) { $rows{$db}{$t} += ($parts[$i] =~ tr/(//) }
      $in = 0 if /;\s*$/;
    }
    print "{", join(", ", map { my $d = $_; json($d) . ": {" . join(", ", map { json($_) . ": $rows{$d}{$_}" } sort keys %{$rows{$d}}) . "}" } sort keys %rows), "}";
  '
}

# dump_stream TAP...: the dump on stdout, fed to every tap on the way.
dump_stream() {
  "${MYSQLDUMP[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" "${DUMP_ARGS[@]}" | tee_on "$@"
}

# dumped_bytes: what the dumped databases' tables and indexes take on the server.
dumped_bytes() {
  local names=() name where=''
  read -r -a names <<<"$DUMPED_DATABASES"
  for name in ${names[@]+"${names[@]}"}; do where+="${where:+,}'$name'"; done
  [ -n "$where" ] || { echo 0; return; }
  mysql_query "$DB_HOST" "$DB_PORT" "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES WHERE table_schema IN ($where)"
}

dump_and_upload() {
  step dump
  PAYLOAD_KEY="$OUTPUT_PREFIX/all-databases.sql.zst"
  expect_payload "$(dumped_bytes)"
  tap coordinates binlog_coordinates
  local taps=("$CRONSNAP_WORK/coordinates.fifo")
  if [ "$ROW_COUNTS" = true ]; then
    tap row-counts count_dump_rows
    taps+=("$CRONSNAP_WORK/row-counts.fifo")
  fi
  upload_output "$PAYLOAD_KEY" "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID,mysql-server=$DB_HOST:$DB_PORT" "$CRONSNAP_WORK/dump.err" dump_stream "${taps[@]}" \
    || fail "mysqldump of $DB_HOST:$DB_PORT failed: $(tail -n 1 "$CRONSNAP_WORK/dump.err")"
  wait_taps
  local coordinates
  coordinates=$(tap_value coordinates)
  BINLOG_FILE=$(sed -n "s/.*MASTER_LOG_FILE='\([^']*\)'.*/\1/p; s/.*SOURCE_LOG_FILE='\([^']*\)'.*/\1/p" <<<"$coordinates" | head -n 1)
  BINLOG_POSITION=$(sed -n 's/.*_LOG_POS=\([0-9]*\).*/\1/p' <<<"$coordinates" | head -n 1)
  GTID=$(sed -n "s/.*gtid_slave_pos='\([^']*\)'.*/\1/p" <<<"$coordinates" | head -n 1)
  [ -n "$GTID" ] || GTID=$(awk '/GTID_PURGED/ { on = 1 } on { printf "%s", $0 } on && /;[[:space:]]*$/ { exit }' <<<"$coordinates" | sed -n "s/.*GTID_PURGED=.*'\([^']*\)'.*/\1/p")
  # MariaDB writes its GTID position at the end of the dump, past what the tap reads; the server
  # converts the dump's own binlog coordinates into it.
  if [ -z "$GTID" ] && [ -n "$BINLOG_FILE" ] && [[ "$SERVER_VERSION" == *MariaDB* ]]; then
    GTID=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT BINLOG_GTID_POS('$BINLOG_FILE', $BINLOG_POSITION)")
  fi
  ROW_COUNTS_JSON=null
  if [ "$ROW_COUNTS" = true ]; then ROW_COUNTS_JSON=$(tap_value row-counts); fi
}

write_mysql_manifest() {
  step manifest
  local manifest="$CRONSNAP_WORK/manifest.json" names=() name list=''
  read -r -a names <<<"$DUMPED_DATABASES"
  for name in ${names[@]+"${names[@]}"}; do list+="${list:+,}$(json_str "$name")"; done
  cat >"$manifest" <<JSON
{
  $(manifest_header mysql),
  "payload": $(payload_json),
  "tools": {
    "mysqldump": $(json_str "$("${MYSQLDUMP[@]}" --version 2>/dev/null | head -n 1)"),
    "zstd": $(json_str "$(zstd_version)")
  },
  "mysql": {
    "server": $(json_str "$DB_HOST:$DB_PORT"),
    "source": $(json_str "$SOURCE"),
    "serverVersion": $(json_str "$SERVER_VERSION"),
    "databases": [$list],
    "binlogFile": $(json_str "$BINLOG_FILE"),
    "binlogPosition": ${BINLOG_POSITION:-null},
    "gtid": $(json_str "$GTID"),
    "binlogServer": $(json_str "$BINLOG_SERVER"),
    "maxscale": $(maxscale_json),
    "rowCounts": $ROW_COUNTS_JSON
  }
}
JSON
  put_manifest "$manifest"
  log "manifest=s3://$BUCKET/$OUTPUT_PREFIX/manifest.json server=$DB_HOST:$DB_PORT sha256=$PAYLOAD_SHA256"
}

main() {
  step preflight
  load_common_params
  load_mysql_params
  require_commands "${MYSQLDUMP[0]}" "${MYSQL[0]}" zstd aws flock
  if [ "$ROW_COUNTS" = true ]; then require_commands perl; fi
  acquire_job_lock "$JOB"
  make_work_dir "$WORK_PARENT"
  write_credentials
  find_server
  read_server_facts
  dump_and_upload
  write_mysql_manifest
  step finished
}

main
