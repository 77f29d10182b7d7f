# MySQL/MariaDB binary log shipping: after FLUSH BINARY LOGS, every closed binary log newer than
# the newest one shipped is read over the replication protocol (mysqlbinlog
# --read-from-remote-server --raw, so the server may be another machine than this host) through
# sha256 | zstd to S3 as <job>/binlogs/<server>/<file>.zst, each followed by its manifest
# <file>.json. A file without a manifest was never shipped: the next run sends it again.

load_binlog_params() {
  load_mysql_server_params
  read -r -a MYSQLBINLOG <<<"$(param mysqlbinlog)"
}

# shipped_logs: the files of LOG_PREFIX that have a manifest, oldest first (by sequence number:
# names go past .999999 into seven digits).
shipped_logs() {
  aws_cli s3api list-objects-v2 --bucket "$BUCKET" --prefix "$LOG_PREFIX/" --query 'Contents[].Key' --output text \
    2>"$CRONSNAP_WORK/list.err" >"$CRONSNAP_WORK/shipped.txt" \
    || fail "cannot list s3://$BUCKET/$LOG_PREFIX/: $(tail -n 1 "$CRONSNAP_WORK/list.err")"
  tr '\t' '\n' <"$CRONSNAP_WORK/shipped.txt" | awk -v prefix="$LOG_PREFIX/" '
    index($0, prefix) == 1 && /\.json$/ {
      name = substr($0, length(prefix) + 1, length($0) - length(prefix) - 5)
      if (name !~ /\//) { n = split(name, part, "."); print part[n] + 0 "\t" name }
    }' | sort -n | cut -f 2
}

# server_logs: `name<TAB>size` of every binary log the server keeps, oldest first, after closing
# the one it was writing, so that every write until now is in a closed file.
server_logs() {
  mysql_query "$DB_HOST" "$DB_PORT" 'FLUSH BINARY LOGS' || fail "FLUSH BINARY LOGS on $DB_HOST:$DB_PORT failed (the user needs RELOAD or BINLOG_ADMIN)"
  mysql_query "$DB_HOST" "$DB_PORT" 'SHOW BINARY LOGS' | cut -f 1,2
}

# binlog_events: `whole events firstTime lastTime endPosition` of the raw binary log on stdin,
# read event by event from the v4 headers (timestamp, type, server id, size, end position): the
# times a point-in-time restore can reach inside this file, without a second pass. A stream that is
# no whole log gives `invalid <why>`, for the caller to judge once it knows whether the read failed.
binlog_events() {
  perl -e '
    binmode STDIN;
    $SIG{__DIE__} = sub { print "invalid $_[0]"; exit 0 };
    my ($buf, $off, $first, $last, $end, $events, $magic) = ("", 0, 0, 0, 4, 0, "");
    (read(STDIN, $magic, 4) // 0) == 4 && $magic eq "\xfebin" or die "not a binary log\n";
    while (1) {
      my $left = length($buf) - $off;
      my $size = $left >= 13 ? unpack("V", substr($buf, $off + 9, 4)) : 19;
      die "an event of $size bytes at position $end\n" if $size < 19;
      if ($left < $size) {
        $buf = substr($buf, $off); $off = 0;
        next if read(STDIN, $buf, 1 << 20, length $buf);
        die "the log ends inside an event at position $end\n" if length $buf;
        last;
      }
      my ($time, $position) = unpack("V x9 V", substr($buf, $off, 17));
      $off += $size; $events++;
      $end = $position if $position;
      if ($time) { $first ||= $time; $last = $time }
    }
    print "whole $events $first $last $end\n";
  '
}

# binlog_stream FILE TAP...: the raw binary log FILE on stdout, fed to every tap on the way.
# mysqlbinlog --raw writes only to files named after the log, so it writes into a fifo of that
# name. This shell holds the fifo open for writing until mysqlbinlog is done: the reader opens it
# at once and sees its end only then, whether mysqlbinlog wrote it or died before opening it.
binlog_stream() {
  local file=$1 raw="$CRONSNAP_WORK/raw" rc=0 read_rc=0 reader holder
  shift
  mkdir -p "$raw"
  mkfifo "$raw/$file"
  exec {holder}<>"$raw/$file"
  tee_on "$@" <"$raw/$file" {holder}>&- &
  reader=$!
  "${MYSQLBINLOG[@]}" --defaults-extra-file="$CLIENT_CNF" --read-from-remote-server --raw --protocol=TCP \
    -h "$DB_HOST" -P "$DB_PORT" --result-file="$raw/" "$file" {holder}>&- || rc=$?
  exec {holder}>&-
  wait "$reader" || read_rc=$?
  rm -f -- "$raw/$file"
  [ "$rc" -ne 0 ] || rc=$read_rc
  return "$rc"
}

# ship_binlog FILE SIZE PREVIOUS: one closed binary log to S3, its manifest last.
ship_binlog() {
  local file=$1 size=$2 previous=$3 whole events first last end gtid=''
  step ship-binlog
  PAYLOAD_KEY="$LOG_PREFIX/$file.zst"
  expect_payload "$size"
  tap events binlog_events
  upload_output "$PAYLOAD_KEY" "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID,mysql-binlog=$file" "$CRONSNAP_WORK/binlog.err" \
    binlog_stream "$file" "$CRONSNAP_WORK/events.fifo" \
    || fail "mysqlbinlog --read-from-remote-server of $file from $DB_HOST:$DB_PORT failed: $(tail -n 1 "$CRONSNAP_WORK/binlog.err")"
  wait_taps
  read -r whole events first last end <<<"$(tap_value events)"
  [ "$whole" = whole ] || fail "$file as read from $DB_HOST:$DB_PORT is no whole binary log ($whole $events $first $last $end); nothing was recorded, the next run ships it again"
  [ "$RAW_SIZE" = "$size" ] || fail "$file: the server lists $size bytes but $RAW_SIZE were read; nothing was recorded, the next run ships it again"
  # MariaDB maps a position to its GTID state; MySQL's GTIDs are in the logs themselves.
  if [[ "$SERVER_VERSION" == *MariaDB* ]]; then
    gtid=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT BINLOG_GTID_POS('$file', $end)")
    [ "$gtid" != NULL ] || gtid=''
  fi
  cat >"$CRONSNAP_WORK/binlog.json" <<JSON
{
  "formatVersion": 1, "kind": "mysql-binlog", "job": $(json_str "$JOB"), "runId": $(json_str "$RUN_ID"), "host": $(json_str "$HOST"),
  "server": $(json_str "$DB_HOST:$DB_PORT"), "serverKey": $(json_str "$SERVER_KEY"), "serverVersion": $(json_str "$SERVER_VERSION"),
  "file": $(json_str "$file"), "previousFile": $(json_str "$previous"), "shippedAt": $(json_str "$(now_iso)"),
  "payload": $(payload_json),
  "events": $events, "startPosition": 4, "endPosition": $end,
  "firstEventAt": $(json_str "$(iso_of_epoch "$first")"), "lastEventAt": $(json_str "$(iso_of_epoch "$last")"),
  "gtid": $(json_str "$gtid")
}
JSON
  put_manifest "$CRONSNAP_WORK/binlog.json" "$LOG_PREFIX/$file.json"
  SHIPPED+=("$file")
  log "shipped $file ($size bytes, $events events, $(iso_of_epoch "$first") to $(iso_of_epoch "$last"))"
}

iso_of_epoch() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ship_new_logs: every closed log after the newest shipped one, or every closed log on a first run.
# A purged log leaves a gap in the chain, which the run's manifest names for the functions to judge.
ship_new_logs() {
  step list-logs
  local listing last='' last_index=-1 name size index previous names=() sizes=() i
  listing=$(server_logs)
  while IFS=$'\t' read -r name size; do
    [ -n "$name" ] || continue
    names+=("$name") sizes+=("$size")
  done <<<"$listing"
  [ "${#names[@]}" -gt 1 ] || fail "SHOW BINARY LOGS on $DB_HOST:$DB_PORT lists no closed binary log"
  last=$(shipped_logs | tail -n 1)
  if [ -n "$last" ]; then last_index=$((10#${last##*.})); fi
  OLDEST_ON_SERVER=${names[0]}
  previous=$last
  SHIPPED=()
  # The newest log is the one the server writes to now.
  for ((i = 0; i < ${#names[@]} - 1; i++)); do
    name=${names[$i]}
    index=$((10#${name##*.}))
    [ "$index" -gt "$last_index" ] || continue
    ship_binlog "$name" "${sizes[$i]}" "$previous"
    previous=$name
  done
  NEWEST_SHIPPED=${previous}
}

write_run_manifest() {
  step manifest
  local list='' name
  for name in ${SHIPPED[@]+"${SHIPPED[@]}"}; do list+="${list:+, }$(json_str "$name")"; done
  cat >"$CRONSNAP_WORK/manifest.json" <<JSON
{
  "formatVersion": 1, "kind": "mysql-binlogs", "job": $(json_str "$JOB"), "runId": $(json_str "$RUN_ID"), "host": $(json_str "$HOST"),
  "startedAt": $(json_str "$STARTED_AT"), "finishedAt": $(json_str "$(now_iso)"),
  "server": $(json_str "$DB_HOST:$DB_PORT"), "serverKey": $(json_str "$SERVER_KEY"), "logPrefix": $(json_str "$LOG_PREFIX"),
  "oldestOnServer": $(json_str "$OLDEST_ON_SERVER"), "newestShipped": $(json_str "$NEWEST_SHIPPED"), "shipped": [$list]
}
JSON
  put_manifest "$CRONSNAP_WORK/manifest.json"
}

main() {
  step preflight
  load_common_params
  load_binlog_params
  require_commands "${MYSQLBINLOG[0]}" "${MYSQL[0]}" zstd aws flock perl
  # Beside the job's dumps, never beside another shipping run of it.
  acquire_job_lock "$JOB.binlogs"
  make_work_dir "$WORK_PARENT"
  write_credentials
  find_server
  [ "$(mysql_query "$DB_HOST" "$DB_PORT" 'SELECT @@global.log_bin')" = 1 ] \
    || fail "binary logging is off on $DB_HOST:$DB_PORT (log_bin): there are no binary logs to ship"
  SERVER_VERSION=$(mysql_query "$DB_HOST" "$DB_PORT" 'SELECT VERSION()')
  SERVER_KEY=$(binlog_server_key)
  LOG_PREFIX="$JOB/binlogs/$SERVER_KEY"
  ship_new_logs
  write_run_manifest
  log "shipped ${#SHIPPED[@]} binary logs of $DB_HOST:$DB_PORT to s3://$BUCKET/$LOG_PREFIX/"
  step finished
}

main
