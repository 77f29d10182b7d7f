# Point-in-time restores of MySQL/MariaDB: the shipped binary logs after the dump, each checked
# against its manifest's sha256 before anything is touched, replayed from the dump's coordinates up
# to a second, for the restored databases only and under their new names. Runs after
# mysql-client.sh; mysql-restore.sh calls it.

load_replay_params() {
  REPLAY_PREFIX=$(optional_param replayPrefix)
  REPLAY_FIRST=$(optional_param replayFirst)
  REPLAY_LAST=$(optional_param replayLast)
  REPLAY_START=$(optional_param replayStartPosition)
  REPLAY_STOP=$(optional_param replayStopDatetime)
  REPLAY_BYTES=$(optional_param replayBytes)
  read -r -a MYSQLBINLOG <<<"$(optional_param mysqlbinlog)"
  REPLAY_FILES=()
}

replaying() { [ -n "$REPLAY_FIRST" ]; }

# replay_names: every log from REPLAY_FIRST to REPLAY_LAST, named as the server names them.
replay_names() {
  local base=${REPLAY_FIRST%.*} first=${REPLAY_FIRST##*.} last sequence digits
  digits=${#first}
  first=$((10#$first)) last=$((10#${REPLAY_LAST##*.}))
  for ((sequence = first; sequence <= last; sequence++)); do printf '%s.%0*d\n' "$base" "$digits" "$sequence"; done
}

# fetch_replay_logs: each log's manifest, then its payload verified against the manifest's sha256
# and decompressed; a log missing or changed fails the restore before any data is touched.
fetch_replay_logs() {
  replaying || return 0
  step download-binlogs
  require_commands "${MYSQLBINLOG[0]}" perl
  require_free_space "$WORK_PARENT" $((REPLAY_BYTES + 1048576))
  local name manifest
  mkdir -p "$CRONSNAP_WORK/binlogs"
  while read -r name; do
    manifest="$CRONSNAP_WORK/binlogs/$name.json"
    aws_cli s3 cp "s3://$BUCKET/$REPLAY_PREFIX/$name.json" "$manifest" --only-show-errors 2>"$manifest.err" \
      || fail "binary log $name is not shipped (s3://$BUCKET/$REPLAY_PREFIX/$name.json: $(tail -n 1 "$manifest.err")); nothing was changed"
    manifest_payload "$manifest" "s3://$BUCKET/$REPLAY_PREFIX/$name.json"
    download_verified "$MANIFEST_KEY" "$MANIFEST_SHA256" "$CRONSNAP_WORK/binlogs/$name.zst"
    zstd -q -d --rm "$CRONSNAP_WORK/binlogs/$name.zst" -o "$CRONSNAP_WORK/binlogs/$name"
    REPLAY_FILES+=("$CRONSNAP_WORK/binlogs/$name")
  done < <(replay_names)
  [ "${#REPLAY_FILES[@]}" -gt 0 ] || fail "no binary log between $REPLAY_FIRST and $REPLAY_LAST to replay; nothing was changed"
}

# replay_text [ARGS...]: the logs as SQL from the dump's coordinates to the stop second, in UTC
# (mysqlbinlog reads --stop-datetime in its own time zone).
replay_text() {
  TZ=UTC "${MYSQLBINLOG[@]}" --start-position="$REPLAY_START" --stop-datetime="$REPLAY_STOP" "$@" "${REPLAY_FILES[@]}"
}

# check_replay: a replay filtered to the restored databases is exact only for row events, which
# name their tables. A statement (DDL, or DML logged as a statement) is filtered by its session's
# default database: one that names a restored database from another would be lost, one that names
# a renamed database itself would change the live one, and a statement-logged write cannot be
# trusted at all. Any of them refuses the restore before it starts, naming the log and position.
check_replay() {
  replaying || return 0
  step check-binlogs
  replay_text 2>"$CRONSNAP_WORK/replay-check.err" | perl -e '
    my %restored = map { $_ => 1 } split /,/, shift;
    my %renamed = map { $_ => 1 } grep { length } split /,/, shift;
    my ($db, $at, $statement, $in) = ("", "", "", 0);
    sub check {
      my $sql = shift;
      return if $sql =~ /^\s*(BEGIN|COMMIT|ROLLBACK|XA |SET |use |START TRANSACTION|DELIMITER|#|\/\*!\d+ SET)/i || $sql =~ /^\s*$/;
      my %named = map { $_ => 1 } grep { $restored{$_} } ($sql =~ /`?([A-Za-z0-9_\$-]+)`?\s*\.\s*`?[A-Za-z0-9_\$]/g);
      my $from = $db eq "" ? "no default database" : "default database $db";
      my ($first) = $sql =~ /^\s*(\S+(?:\s+\S+)?)/;
      if ($restored{$db} && $sql =~ /^\s*(INSERT|UPDATE|DELETE|REPLACE|LOAD)\b/i) {
        die "position $at: a write logged as a statement ($first...) on $db: a filtered replay cannot be trusted; the server needs binlog_format=ROW\n";
      }
      for my $name (sort keys %named) {
        die "position $at: a statement ($first...) from $from names $name.*: the replay of $name would drop it\n" unless $restored{$db};
        die "position $at: a statement ($first...) names $name.* itself: replayed under the new name it would change the live $name\n" if $renamed{$name};
      }
    }
    while (<STDIN>) {
      if (/^# at (\d+)/) { $at = $1; next }
      if (/^use `((?:[^`]|``)+)`\/\*!\*\/;/) { ($db = $1) =~ s/``/`/g; next }
      next if /^#/ || /^BINLOG / || /^\x27/ || /^[A-Za-z0-9+\/=]+$/ && !$in;
      $statement .= $_; $in = 1;
      if (/\/\*!\*\/;\s*$/) { $statement =~ s/\/\*!\*\/;\s*$//; check($statement); ($statement, $in) = ("", 0) }
    }
  ' "$(IFS=,; echo "${DATABASES[*]}")" "$(renames | sed 's/=[^,]*//g')" 2>"$CRONSNAP_WORK/replay-check.out" \
    || fail "replaying the binary logs cannot be done safely: $(tail -n 1 "$CRONSNAP_WORK/replay-check.out") $(tail -n 1 "$CRONSNAP_WORK/replay-check.err"); nothing was changed"
  report binlogReplay "{\"logs\": ${#REPLAY_FILES[@]}, \"first\": $(json_str "$REPLAY_FIRST"), \"last\": $(json_str "$REPLAY_LAST"), \"startPosition\": $REPLAY_START, \"stopBefore\": $(json_str "$REPLAY_STOP")}"
}

# replay_row_changes: what the replay does to the restored databases' tables, read from the row
# events themselves (decoded, up to the stop second), one line per table, tab-separated:
# `rows DATABASE TABLE INSERTED-MINUS-DELETED`; and `uncounted DATABASE STATEMENT` for a database
# whose rows a statement changes outside row events (TRUNCATE, DROP or RENAME of a table, or a
# partition dropped, truncated, exchanged or reorganized).
replay_row_changes() {
  replay_text --base64-output=DECODE-ROWS --verbose 2>"$CRONSNAP_WORK/replay-rows.err" | perl -e '
    my %restored = map { $_ => 1 } split /,/, shift;
    my ($db, %delta, %uncounted) = ("");
    while (<STDIN>) {
      if (/^use `((?:[^`]|``)+)`\/\*!\*\/;/) { ($db = $1) =~ s/``/`/g; next }
      if (/^(TRUNCATE|DROP\s+TABLE|RENAME\s+TABLE)\b/i || /^ALTER\s+TABLE\b.*\b((?:DROP|TRUNCATE|EXCHANGE|REORGANIZE|COALESCE)\s+PARTITION|RENAME)\b/i) {
        my $statement = uc $1;
        my %named = map { $_ => 1 } ($db, /`?([A-Za-z0-9_\$-]+)`?\s*\.\s*`?[A-Za-z0-9_\$]/g);
        $uncounted{$_} //= $statement for grep { $restored{$_} } keys %named;
        next;
      }
      next unless /^### (INSERT INTO|DELETE FROM) `((?:[^`]|``)+)`\.`((?:[^`]|``)+)`/;
      my ($op, $in, $table) = ($1, $2, $3);
      s/``/`/g for $in, $table;
      $delta{$in}{$table} += $op eq "INSERT INTO" ? 1 : -1 if $restored{$in};
    }
    for my $in (sort keys %delta) { print "rows\t$in\t$_\t$delta{$in}{$_}\n" for sort keys %{ $delta{$in} } }
    print "uncounted\t$_\t$uncounted{$_}\n" for sort keys %uncounted;
  ' "$(IFS=,; echo "${DATABASES[*]}")" || fail "cannot count the row events of the binary logs: $(tail -n 1 "$CRONSNAP_WORK/replay-rows.err")"
}

# row_changes_once: replay_row_changes into $CRONSNAP_WORK/replay-rows.tsv, decoded once per run:
# a drill counts them before its restore replays, and the replay is checked against the same lines.
row_changes_once() {
  [ -e "$CRONSNAP_WORK/replay-rows.tsv" ] || replay_row_changes >"$CRONSNAP_WORK/replay-rows.tsv"
}

# table_rows DATABASE TABLE: its rows counted exactly, or `none` where there is no such table.
table_rows() {
  local exists
  exists=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = $(sql_string "$1") AND TABLE_NAME = $(sql_string "$2") AND TABLE_TYPE = 'BASE TABLE'")
  if [ "$exists" = 0 ]; then echo none; return; fi
  mysql_query "$DB_HOST" "$DB_PORT" "SELECT COUNT(*) FROM \`${1//\`/\`\`}\`.\`${2//\`/\`\`}\`"
}

# counted_tables: `DATABASE TABLE CHANGE` (tab-separated) for each table the replay changes, but
# in the databases it changes otherwise too (replay_row_changes' `uncounted`).
counted_tables() {
  awk -F '\t' '
    $1 == "uncounted" { uncounted[$2] = 1 }
    $1 == "rows" { n++; database[n] = $2; line[n] = $2 "\t" $3 "\t" $4 }
    END { for (i = 1; i <= n; i++) if (!(database[i] in uncounted)) print line[i] }' "$CRONSNAP_WORK/replay-rows.tsv"
}

# replay_logs: after the dump, each restored database's events, under its new name. MariaDB's
# mysqlbinlog filters on the name in the log, MySQL's on the name after --rewrite-db. MySQL's
# events carry the GTIDs the source executed: replayed into a server that executed them (the one
# backed up, under the new name or after a DROP DATABASE) each would be skipped in silence, so
# they are replayed as new transactions (--skip-gtids; MariaDB's server applies its own anyway).
# Then every table's rows must have changed by what the row events inserted less what they
# deleted: a replay that skipped anything fails the restore, naming the table.
replay_logs() {
  replaying || return 0
  step replay-binlogs
  local name target filter rewrite mariadb=false gtids=() table change before after
  help_mentions 'MariaDB binary log' "${MYSQLBINLOG[@]}" --help && mariadb=true
  help_mentions --skip-gtids "${MYSQLBINLOG[@]}" --help && gtids=(--skip-gtids)
  row_changes_once
  counted_tables >"$CRONSNAP_WORK/replay-counted.tsv"
  while IFS=$'\t' read -r name table change; do
    target=$(target_name "$name")
    before=$(table_rows "$target" "$table")
    printf '%s\t%s\t%s\t%s\n' "$target" "$table" "$change" "${before/none/0}"
  done <"$CRONSNAP_WORK/replay-counted.tsv" >"$CRONSNAP_WORK/replay-before.tsv"
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    filter=$target
    if [ "$mariadb" = true ]; then filter=$name; fi
    rewrite=()
    [ "$target" = "$name" ] || rewrite=(--rewrite-db="$name->$target")
    replay_text ${gtids[@]+"${gtids[@]}"} --database="$filter" ${rewrite[@]+"${rewrite[@]}"} 2>"$CRONSNAP_WORK/replay.err" \
      | "${MYSQL[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" --default-character-set=utf8mb4 2>>"$CRONSNAP_WORK/replay.err" \
      || fail "replaying the binary logs into $target on $DB_HOST:$DB_PORT failed: $(error_line "$CRONSNAP_WORK/replay.err")"
  done
  # Rows an ON DELETE CASCADE removes are logged as no row events of their own.
  local checked=0 uncounted cascaded=' '
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    cascaded+=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT CONCAT(CONSTRAINT_SCHEMA, '.', TABLE_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = $(sql_string "$target") AND DELETE_RULE = 'CASCADE'" | tr '\n' ' ')
  done
  while IFS=$'\t' read -r target table change before; do
    [[ "$cascaded" != *" $target.$table "* ]] || continue
    after=$(table_rows "$target" "$table")
    [ "$after" != none ] || fail "$target.$table is gone after the replay into $DB_HOST:$DB_PORT, though the binary logs' row events before $REPLAY_STOP (UTC) change it and drop no table of $target: the restored data is not what was logged"
    [ $((after - before)) -eq "$change" ] \
      || fail "the replay into $target.$table on $DB_HOST:$DB_PORT changed its rows by $((after - before)), but the binary logs' row events before $REPLAY_STOP (UTC) change them by $change: events were skipped or applied twice; the restored data is not what was logged"
    checked=$((checked + 1))
  done <"$CRONSNAP_WORK/replay-before.tsv"
  uncounted=$(awk -F '\t' '$1 == "uncounted" { printf "%s%s (%s)", sep, $2, $3; sep = ", " }' "$CRONSNAP_WORK/replay-rows.tsv")
  for table in $cascaded; do uncounted+="${uncounted:+, }$table (ON DELETE CASCADE)"; done
  report binlogsReplayed "{\"logs\": ${#REPLAY_FILES[@]}, \"databases\": ${#DATABASES[@]}, \"stopBefore\": $(json_str "$REPLAY_STOP"), \"tablesChecked\": $checked, \"uncounted\": $(json_str "$uncounted")}"
}
