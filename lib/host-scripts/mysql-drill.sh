# MySQL/MariaDB restore drill: the restore's own download, sha256 check and restore, into scratch
# databases (scratchPrefix_1, _2, ...) on the drill server; then every table's rows are counted and
# reported, and the scratch databases are dropped, whatever happened. A job that ships binary logs
# is drilled to a second: the logs after the dump are replayed into the scratch databases too.
# Runs after common.sh, mysql-client.sh, mysql-replay.sh and mysql-restore.sh.

# A scratch name that exists was not made by this drill: refuse rather than restore into or drop it.
claim_scratch() {
  step plan
  local name target existing
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    existing=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$target'")
    [ "$existing" -eq 0 ] || fail "scratch database $target already exists on $DB_HOST:$DB_PORT; it was left as it is"
  done
  CRONSNAP_EXIT_HOOKS+=(drop_scratch)
}

drop_scratch() {
  local name
  for name in "${DATABASES[@]}"; do mysql_query "$DB_HOST" "$DB_PORT" "DROP DATABASE IF EXISTS \`$(target_name "$name")\`"; done
}

# raw_query SQL: like mysql_query, with names and values printed as they are (no escaping).
raw_query() {
  "${MYSQL[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -N -B -r --default-character-set=utf8mb4 -e "$1"
}

# row_counts DATABASE: {"table": rows, ...} for every base table, counted exactly (COUNT(*)), as JSON.
row_counts() {
  local counts
  counts=$(raw_query "SET SESSION group_concat_max_len = 16777216;
    SELECT GROUP_CONCAT(CONCAT('SELECT ', QUOTE(TABLE_NAME), ' AS t, COUNT(*) AS n FROM \`', REPLACE(TABLE_SCHEMA, '\`', '\`\`'), '\`.\`', REPLACE(TABLE_NAME, '\`', '\`\`'), '\`') SEPARATOR ' UNION ALL ')
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1' AND TABLE_TYPE = 'BASE TABLE'")
  if [ "$counts" = NULL ]; then printf '{}'; return; fi
  raw_query "SELECT JSON_OBJECTAGG(t, n) FROM ($counts) AS counts"
}

# count_replayed_rows: what the replay will do to each drilled database's tables (replay_row_changes),
# as {"database": {"table": inserted - deleted}}. The judge adds it to the rows the dump recorded,
# so the copy must hold every row written up to the second it was replayed to.
count_replayed_rows() {
  replaying || return 0
  step count-binlog-rows
  row_changes_once
  report replayedRows "$(perl -e '
    my %delta;
    while (<STDIN>) { chomp; my ($kind, $db, $table, $n) = split /\t/; $delta{$db}{$table} = $n if $kind eq "rows" }
    my $quote = sub { my $s = shift; $s =~ s/(["\\])/\\$1/g; "\"$s\"" };
    print "{", join(", ", map { my $db = $_; $quote->($db) . ": {" . join(", ", map { $quote->($_) . ": $delta{$db}{$_}" } sort keys %{ $delta{$db} }) . "}" } sort keys %delta), "}";
  ' <"$CRONSNAP_WORK/replay-rows.tsv")"
}

main() {
  step preflight
  load_database_restore_params
  restore_into_scratch "$(param scratchPrefix)"
  # Its own lock: a drill never holds up a backup or a restore of the job.
  acquire_job_lock "$JOB" drill
  fetch_and_log_in
  count_replayed_rows
  claim_scratch
  apply_restore
  count_restored
  drop_scratch
  step finished
}

main
