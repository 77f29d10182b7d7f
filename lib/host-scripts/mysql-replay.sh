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

# replay_logs: after the dump, each restored database's events, under its new name. MariaDB's
# mysqlbinlog filters on the name in the log, MySQL's on the name after --rewrite-db.
replay_logs() {
  replaying || return 0
  step replay-binlogs
  local name target filter rewrite mariadb=false
  help_mentions 'MariaDB binary log' "${MYSQLBINLOG[@]}" --help && mariadb=true
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    filter=$target
    if [ "$mariadb" = true ]; then filter=$name; fi
    rewrite=()
    [ "$target" = "$name" ] || rewrite=(--rewrite-db="$name->$target")
    replay_text --database="$filter" ${rewrite[@]+"${rewrite[@]}"} 2>"$CRONSNAP_WORK/replay.err" \
      | "${MYSQL[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" --default-character-set=utf8mb4 2>>"$CRONSNAP_WORK/replay.err" \
      || fail "replaying the binary logs into $target on $DB_HOST:$DB_PORT failed: $(error_line "$CRONSNAP_WORK/replay.err")"
  done
  report binlogsReplayed "{\"logs\": ${#REPLAY_FILES[@]}, \"databases\": ${#DATABASES[@]}, \"stopBefore\": $(json_str "$REPLAY_STOP")}"
}
