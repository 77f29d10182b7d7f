# MySQL/MariaDB binary log shipping: after FLUSH BINARY LOGS, every closed binary log newer than
# the newest one shipped is read over the replication protocol (mysqlbinlog
# --read-from-remote-server --raw, so the server may be another machine than this host) through
# sha256 | zstd to S3 as <job>/binlogs/<chain>/<file>.zst, each followed by its manifest
# <file>.json. A file without a manifest was never shipped: the next run sends it again.
#
# A log's name says its place only among logs that go on from one another: after RESET MASTER
# (RESET BINARY LOGS AND GTIDS) or a changed log-bin the server's numbers start again. So the logs
# of a server form chains, each in its own folder: the server's key (binlog_server_key) for its
# first, and <key>.chain-<since> for each begun when the server's logs no longer went on from the
# newest shipped one, `since` being the first second after that one's last event. A new chain never
# writes over the objects of the one before, and the functions replay a dump only with the logs of
# its own chain (lib/catalog/object-layout.ts reads the folder names).

load_binlog_params() {
  load_mysql_server_params
  read -r -a MYSQLBINLOG <<<"$(param mysqlbinlog)"
}

# shipped_logs: `folder<TAB>file` of every log of this server's chains that has a manifest, oldest
# chain first (a chain's folder sorts by its start) and in each by sequence number (names go past
# .999999 into seven digits): the last line is the newest shipped log.
shipped_logs() {
  local root="$JOB/binlogs/"
  aws_cli s3api list-objects-v2 --bucket "$BUCKET" --prefix "$root$SERVER_KEY" --query 'Contents[].Key' --output text \
    2>"$CRONSNAP_WORK/list.err" >"$CRONSNAP_WORK/shipped.txt" \
    || fail "cannot list s3://$BUCKET/$root$SERVER_KEY: $(tail -n 1 "$CRONSNAP_WORK/list.err")"
  tr '\t' '\n' <"$CRONSNAP_WORK/shipped.txt" | awk -v root="$root" -v server="$SERVER_KEY" '
    index($0, root) == 1 && /\.json$/ {
      path = substr($0, length(root) + 1, length($0) - length(root) - 5)
      slash = index(path, "/")
      folder = substr(path, 1, slash - 1); name = substr(path, slash + 1)
      if (slash == 0 || name ~ /\// || name !~ /\.[0-9]+$/) next
      since = substr(folder, length(server) + 8)
      if (folder != server && !(index(folder, server ".chain-") == 1 && length(since) == 16 && since ~ /^[0-9]+T[0-9]+Z$/)) next
      n = split(name, part, "."); print folder "\t" part[n] + 0 "\t" name
    }' | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2n | cut -f 1,3
}

# gtid_state STATE: a GTID state as the server writes it (MariaDB's domain-server-sequence list,
# MySQL's uuid:interval set, which SHOW BINLOG EVENTS breaks into lines), in one form to compare.
gtid_state() {
  printf '%s' "$1" | sed 's/\\n//g' | tr -d ' \t\n' | tr ',' '\n' | LC_ALL=C sort | paste -s -d , -
}

# start_gtid FILE: START_GTID, the GTID state at the start of the server's FILE: MariaDB maps the
# position to it; MySQL writes it into the log, as its Previous_gtids event.
start_gtid() {
  local state
  if [[ "$SERVER_VERSION" == *MariaDB* ]]; then
    state=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT BINLOG_GTID_POS('$1', 4)") || fail "BINLOG_GTID_POS of $1 on $DB_HOST:$DB_PORT failed"
    [ "$state" != NULL ] || state=''
  else
    state=$(mysql_query "$DB_HOST" "$DB_PORT" "SHOW BINLOG EVENTS IN '$1' LIMIT 2" | awk -F '\t' '$3 == "Previous_gtids" { print $6 }') \
      || fail "SHOW BINLOG EVENTS IN '$1' on $DB_HOST:$DB_PORT failed (the user needs REPLICATION SLAVE)"
  fi
  START_GTID=$(gtid_state "$state")
}

# read_last_shipped FOLDER FILE: LAST_*, what the manifest of the newest shipped log says of it:
# its size, its last event, and the GTID state at its start and end (LAST_HAS_START empty for a
# manifest written before the start was recorded, LAST_END empty where the server has none).
read_last_shipped() {
  local manifest="$CRONSNAP_WORK/last-shipped.json" key="$JOB/binlogs/$1/$2.json"
  LAST_FOLDER=$1 LAST_FILE=$2
  aws_cli s3 cp "s3://$BUCKET/$key" "$manifest" --only-show-errors 2>"$manifest.err" \
    || fail "cannot read s3://$BUCKET/$key: $(tail -n 1 "$manifest.err")"
  LAST_SIZE=$(sed -n 's/.*"rawSize": \([0-9]*\).*/\1/p' "$manifest")
  LAST_END_AT=$(sed -n 's/.*"lastEventAt": "\([^"]*\)".*/\1/p' "$manifest")
  LAST_HAS_START=$(sed -n 's/.*"startGtid": .*/yes/p' "$manifest")
  LAST_START=$(gtid_state "$(sed -n 's/.*"startGtid": "\([^"]*\)".*/\1/p' "$manifest")")
  LAST_END=$(gtid_state "$(sed -n 's/.*"gtid": "\([^"]*\)".*/\1/p' "$manifest")")
  if [ -z "$LAST_SIZE" ] || [ -z "$LAST_END_AT" ]; then fail "s3://$BUCKET/$key names no payload rawSize or lastEventAt"; fi
}

# chain_break: BREAK, why the server's logs (NAMES and SIZES, oldest first) do not go on from the
# newest shipped one (LAST_*), or empty when they do. The shipped file, if the server still has
# it, must be the same (its size and the GTID state at its start); else the first later one must
# start where the shipped one ended. A later one after a gap (logs purged before they were
# shipped) goes on in the chain, whose manifests name the gap for the functions to judge. None
# later, or none of that name: the logs were reset, or log-bin changed.
chain_break() {
  local i name base=${LAST_FILE%.*} last=$((10#${LAST_FILE##*.})) sequence newest=''
  BREAK=''
  for ((i = 0; i < ${#NAMES[@]}; i++)); do
    name=${NAMES[$i]}
    [ "${name%.*}" = "$base" ] || continue
    newest=$name
    sequence=$((10#${name##*.}))
    [ "$sequence" -ge "$last" ] || continue
    if [ "$sequence" -eq "$last" ]; then
      start_gtid "$name"
      if [ "${SIZES[$i]}" != "$LAST_SIZE" ] || { [ -n "$LAST_HAS_START" ] && [ "$START_GTID" != "$LAST_START" ]; }; then
        BREAK="the server's $name (${SIZES[$i]} bytes, GTID state '$START_GTID' at its start) is not the one shipped ($LAST_SIZE bytes, '$LAST_START'): its binary logs were reset"
      fi
    elif [ "$sequence" -eq $((last + 1)) ] && [ -n "$LAST_END" ]; then
      start_gtid "$name"
      [ "$START_GTID" = "$LAST_END" ] || BREAK="the server's $name starts at GTID state '$START_GTID', but $LAST_FILE, shipped last, ended at '$LAST_END': its binary logs were reset"
    fi
    return 0
  done
  if [ -n "$newest" ]; then
    BREAK="the server's newest binary log is $newest, older than $LAST_FILE shipped last: its binary logs were reset (RESET MASTER, or RESET BINARY LOGS AND GTIDS)"
  else
    BREAK="the server's binary logs are named ${NAMES[0]%.*}.*, no longer $base.*: log-bin was changed"
  fi
}

# begin_chain: FOLDER and CHAIN_SINCE of a new chain after the newest shipped log (LAST_*), whose
# last event it begins the second after: every dump started since has its coordinates in it.
begin_chain() {
  local since
  since=$(date -u -d "$LAST_END_AT" +%s) || fail "$LAST_FOLDER/$LAST_FILE: lastEventAt '$LAST_END_AT' is no time"
  since=$((since + 1))
  CHAIN_SINCE=$(iso_of_epoch "$since")
  FOLDER="$SERVER_KEY.chain-$(date -u -d "@$since" +%Y%m%dT%H%M%SZ)"
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

# ship_binlog FILE SIZE PREVIOUS NEXT: one closed binary log to S3, its manifest last. NEXT is the
# server's log after it, whose start is where it ends.
ship_binlog() {
  local file=$1 size=$2 previous=$3 next=$4 whole events first last end start gtid
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
  start_gtid "$file"
  start=$START_GTID
  # MariaDB maps its end to a GTID state too; MySQL's executed set there is the next log's start.
  if [[ "$SERVER_VERSION" == *MariaDB* ]]; then
    gtid=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT BINLOG_GTID_POS('$file', $end)")
    [ "$gtid" != NULL ] || gtid=''
    gtid=$(gtid_state "$gtid")
  else
    start_gtid "$next"
    gtid=$START_GTID
  fi
  cat >"$CRONSNAP_WORK/binlog.json" <<JSON
{
  "formatVersion": 1, "cronsnapVersion": $(json_str "$CRONSNAP_VERSION"), "kind": "mysql-binlog", "job": $(json_str "$JOB"), "runId": $(json_str "$RUN_ID"), "host": $(json_str "$HOST"),
  "server": $(json_str "$DB_HOST:$DB_PORT"), "serverKey": $(json_str "$SERVER_KEY"), "serverVersion": $(json_str "$SERVER_VERSION"),
  "file": $(json_str "$file"), "previousFile": $(json_str "$previous"), "shippedAt": $(json_str "$(now_iso)"),
  "payload": $(payload_json),
  "events": $events, "startPosition": 4, "endPosition": $end,
  "firstEventAt": $(json_str "$(iso_of_epoch "$first")"), "lastEventAt": $(json_str "$(iso_of_epoch "$last")"),
  "startGtid": $(json_str "$start"),
  "gtid": $(json_str "$gtid")
}
JSON
  put_manifest "$CRONSNAP_WORK/binlog.json" "$LOG_PREFIX/$file.json"
  SHIPPED+=("$file")
  log "shipped $file ($size bytes, $events events, $(iso_of_epoch "$first") to $(iso_of_epoch "$last"))"
}

iso_of_epoch() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ship_new_logs: every closed log after the newest shipped one, or every closed log on a first run
# or in a new chain. A purged log leaves a gap in the chain, which the run's manifest names for the
# functions to judge.
ship_new_logs() {
  step list-logs
  local listing newest name size index previous='' base='' last_index=-1 i
  NAMES=() SIZES=()
  listing=$(server_logs)
  while IFS=$'\t' read -r name size; do
    [ -n "$name" ] || continue
    NAMES+=("$name") SIZES+=("$size")
  done <<<"$listing"
  [ "${#NAMES[@]}" -gt 1 ] || fail "SHOW BINARY LOGS on $DB_HOST:$DB_PORT lists no closed binary log"
  newest=$(shipped_logs | tail -n 1)
  FOLDER=$SERVER_KEY NEW_CHAIN=null
  if [ -n "$newest" ]; then
    read_last_shipped "${newest%%$'\t'*}" "${newest#*$'\t'}"
    chain_break
    if [ -z "$BREAK" ]; then
      FOLDER=$LAST_FOLDER previous=$LAST_FILE base=${LAST_FILE%.*} last_index=$((10#${LAST_FILE##*.}))
    else
      begin_chain
      NEW_CHAIN="{\"previousFolder\": $(json_str "$LAST_FOLDER"), \"previousFile\": $(json_str "$LAST_FILE"), \"since\": $(json_str "$CHAIN_SINCE"), \"reason\": $(json_str "$BREAK")}"
      log "a new chain of binary logs begins in s3://$BUCKET/$JOB/binlogs/$FOLDER/, after $LAST_FOLDER/$LAST_FILE: $BREAK; restores to a time after $LAST_END_AT need a dump taken since"
    fi
  fi
  LOG_PREFIX="$JOB/binlogs/$FOLDER"
  OLDEST_ON_SERVER=${NAMES[0]}
  SHIPPED=()
  # The newest log is the one the server writes to now.
  for ((i = 0; i < ${#NAMES[@]} - 1; i++)); do
    name=${NAMES[$i]}
    index=$((10#${name##*.}))
    if [ -n "$base" ] && { [ "${name%.*}" != "$base" ] || [ "$index" -le "$last_index" ]; }; then continue; fi
    ship_binlog "$name" "${SIZES[$i]}" "$previous" "${NAMES[$((i + 1))]}"
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
  "formatVersion": 1, "cronsnapVersion": $(json_str "$CRONSNAP_VERSION"), "kind": "mysql-binlogs", "job": $(json_str "$JOB"), "runId": $(json_str "$RUN_ID"), "host": $(json_str "$HOST"),
  "startedAt": $(json_str "$STARTED_AT"), "finishedAt": $(json_str "$(now_iso)"),
  "server": $(json_str "$DB_HOST:$DB_PORT"), "serverKey": $(json_str "$SERVER_KEY"), "logPrefix": $(json_str "$LOG_PREFIX"), "newChain": $NEW_CHAIN,
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
  ship_new_logs
  write_run_manifest
  log "shipped ${#SHIPPED[@]} binary logs of $DB_HOST:$DB_PORT to s3://$BUCKET/$LOG_PREFIX/"
  step finished
}

main
