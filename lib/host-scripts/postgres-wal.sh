# PostgreSQL WAL shipping: pg_receivewal on the job's physical replication slot streams the WAL
# the slot holds into a spool dir on this host, up to the end of the last segment the server has
# completed (after pg_switch_wal), and every completed segment goes through sha256 | zstd to S3 as
# <job>/wal/<system id>/<segment>.zst, followed by its manifest <segment>.json. The slot keeps
# the WAL on the server between runs; the spool keeps what was received but not yet shipped.

load_wal_params() {
  load_postgres_server_params
  read -r -a PG_RECEIVEWAL <<<"$(param pgReceivewal)"
  WAL_SLOT=$(param walSlot)
}

read_wal_facts() {
  step server-facts
  check_pg_login
  SERVER_VERSION=$(pg_query 'SHOW server_version')
  read_cluster_identity
  TIMELINE=$(pg_query 'SELECT timeline_id FROM pg_control_checkpoint()')
  set_segment_size "$WAL_SEGMENT_SIZE"
  LOG_PREFIX="$JOB/wal/$SYSTEM_ID"
}

# open_spool: the job's spool dir beside the work dirs, kept between runs and private to us.
open_spool() {
  SPOOL="$WORK_PARENT/cronsnap-wal-$JOB"
  if [ -L "$SPOOL" ]; then fail "the WAL spool $SPOOL is a symbolic link; cronsnap writes only into a directory of its own"; fi
  (umask 077 && mkdir -p "$SPOOL") || fail "cannot create the WAL spool $SPOOL"
  [ -O "$SPOOL" ] || fail "the WAL spool $SPOOL belongs to another user"
  chmod 0700 "$SPOOL"
  # The job's server was replaced (another system identifier): what it spooled is not this one's.
  if [ "$(cat "$SPOOL/system-identifier" 2>/dev/null)" != "$SYSTEM_ID" ]; then
    rm -f -- "${SPOOL:?}"/*
    printf '%s\n' "$SYSTEM_ID" >"$SPOOL/system-identifier"
  fi
}

# spool_segments: the completed segments in the spool (shipped placeholders among them), oldest first.
spool_segments() {
  local path
  for path in "$SPOOL"/*; do
    path=${path##*/}
    if [[ "$path" =~ ^[0-9A-F]{24}$ ]]; then printf '%s\n' "$path"; fi
  done | sort
}

# shipped_segments: the segments of LOG_PREFIX that have a manifest, oldest first.
shipped_segments() {
  aws_cli s3api list-objects-v2 --bucket "$BUCKET" --prefix "$LOG_PREFIX/" --query 'Contents[].Key' --output text \
    2>"$CRONSNAP_WORK/list.err" >"$CRONSNAP_WORK/shipped.txt" \
    || fail "cannot list s3://$BUCKET/$LOG_PREFIX/: $(tail -n 1 "$CRONSNAP_WORK/list.err")"
  tr '\t' '\n' <"$CRONSNAP_WORK/shipped.txt" | sed -n "s|^$LOG_PREFIX/\([0-9A-F]\{24\}\)\.json\$|\1|p" | sort
}

# read_slot: SLOT_RESTART, the LSN from which the slot holds WAL; empty when the slot is missing
# or has lost its WAL (max_slot_wal_keep_size).
read_slot() {
  SLOT_RESTART=$(pg_query "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '$WAL_SLOT' AND slot_type = 'physical'")
}

# ensure_slot: the slot, created (reserving WAL at once) when missing or when it lost its WAL;
# a slot recreated after segments were shipped leaves a gap, which the run's manifest names.
ensure_slot() {
  read_slot
  SLOT_CREATED=false
  [ -z "$SLOT_RESTART" ] || return 0
  if [ -n "$(pg_query "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$WAL_SLOT'")" ]; then
    log "the replication slot $WAL_SLOT holds no WAL any more (max_slot_wal_keep_size?): dropping and recreating it"
    pg_query "SELECT pg_drop_replication_slot('$WAL_SLOT')" >/dev/null || fail "cannot drop the replication slot $WAL_SLOT on $PG_HOST:$PG_PORT, which holds no WAL"
  fi
  pg_query "SELECT 1 FROM pg_create_physical_replication_slot('$WAL_SLOT', true)" >/dev/null \
    || fail "cannot create the replication slot $WAL_SLOT on $PG_HOST:$PG_PORT (the user needs the REPLICATION attribute)"
  SLOT_CREATED=true
  read_slot
}

# stage_segment NAME PREVIOUS: one completed segment from the spool compressed into the outbox,
# and its manifest beside it. What is recorded is read back from the compressed file, so it is
# what a restore will get; a segment that does not come back whole is refused.
stage_segment() {
  local name=$1 previous=$2 staged="$CRONSNAP_WORK/outbox/$1.zst" raw
  [ "$(stat -c %s "$SPOOL/$name")" = "$WAL_SEGMENT_SIZE" ] || fail "WAL segment $name in $SPOOL is not $WAL_SEGMENT_SIZE bytes; nothing was recorded"
  zstd -q -1 -c "$SPOOL/$name" >"$staged" || fail "cannot compress WAL segment $name into $CRONSNAP_WORK"
  raw=$(sha256_stdin <"$SPOOL/$name")
  RAW_SHA256=$(zstd -q -d -c "$staged" | sha256_stdin)
  [ "$RAW_SHA256" = "$raw" ] || fail "WAL segment $name does not decompress to itself; nothing was recorded"
  PAYLOAD_KEY="$LOG_PREFIX/$name.zst" RAW_SIZE=$WAL_SEGMENT_SIZE PAYLOAD_SIZE=$(stat -c %s "$staged") PAYLOAD_SHA256=$(sha256_stdin <"$staged")
  cat >"$CRONSNAP_WORK/manifests/$name.json" <<JSON
{
  "formatVersion": 1, "cronsnapVersion": $(json_str "$CRONSNAP_VERSION"), "kind": "postgres-wal-segment", "job": $(json_str "$JOB"), "runId": $(json_str "$RUN_ID"), "host": $(json_str "$HOST"),
  "server": $(json_str "$PG_HOST:$PG_PORT"), "systemIdentifier": $(json_str "$SYSTEM_ID"), "serverVersion": $(json_str "$SERVER_VERSION"),
  "segment": $(json_str "$name"), "previousSegment": $(json_str "$previous"), "walSegmentSize": $WAL_SEGMENT_SIZE,
  "shippedAt": $(json_str "$(now_iso)"), "payload": $(payload_json)
}
JSON
}

# ship_segments NAME...: the segments staged, uploaded in one aws CLI call (its own parallel
# transfers), then their manifests in one more: each aws CLI start costs more than a segment's
# upload. A manifest goes only once every payload is stored. The spool keeps a placeholder in
# each one's place, for pg_receivewal to start after the newest.
ship_segments() {
  local names=("$@") name previous first=$1 last=${*:$#}
  step ship-wal
  rm -rf -- "$CRONSNAP_WORK/outbox" "$CRONSNAP_WORK/manifests"
  mkdir "$CRONSNAP_WORK/outbox" "$CRONSNAP_WORK/manifests"
  expect_payload "$WAL_SEGMENT_SIZE"
  # Each names the newest segment shipped before it, whichever run shipped that one. Compared as
  # strings: awk takes 24 digits for a number, and a double cannot tell neighbouring segments apart.
  previous=$(awk -v first="$first" '($0 "") < (first "")' <<<"$SHIPPED_LIST" | tail -n 1)
  for name in "${names[@]}"; do
    stage_segment "$name" "$previous"
    previous=$name
  done
  aws_cli s3 cp "$CRONSNAP_WORK/outbox" "s3://$BUCKET/$LOG_PREFIX/" --recursive --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --metadata "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID" 2>"$CRONSNAP_WORK/segment.err" \
    || fail "upload of WAL segments $first to $last failed: $(tail -n 1 "$CRONSNAP_WORK/segment.err"); they stay in $SPOOL for the next run"
  aws_cli s3 cp "$CRONSNAP_WORK/manifests" "s3://$BUCKET/$LOG_PREFIX/" --recursive --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --content-type application/json 2>"$CRONSNAP_WORK/segment.err" \
    || fail "the manifests of WAL segments $first to $last were not all stored: $(tail -n 1 "$CRONSNAP_WORK/segment.err"); the segments stay in $SPOOL for the next run"
  for name in "${names[@]}"; do placeholder "$name"; done
  SHIPPED+=("${names[@]}")
  SHIPPED_LIST=$(printf '%s\n' "$SHIPPED_LIST" "${names[@]}" | sed '/^$/d' | sort)
  if [[ "$last" > "$NEWEST_SHIPPED" ]]; then NEWEST_SHIPPED=$last; fi
  rm -rf -- "$CRONSNAP_WORK/outbox" "$CRONSNAP_WORK/manifests"
}

# placeholder NAME: an empty (sparse) file of a segment's size in the spool, where pg_receivewal
# checks only the size; its name is recorded, so that no run takes it for a segment received.
placeholder() {
  : >"$SPOOL/$1"
  truncate -s "$WAL_SEGMENT_SIZE" "$SPOOL/$1"
  printf '%s\n' "$1" >"$SPOOL/placeholder"
}

# ship_spooled AFTER: every completed segment in the spool newer than AFTER and than the
# placeholder that S3 holds no manifest of (one whose manifest upload failed goes again, even
# after newer ones); then only the newest stays, since pg_receivewal starts after the newest it finds.
ship_spooled() {
  local after=$1 name placeholder pending=()
  placeholder=$(cat "$SPOOL/placeholder" 2>/dev/null || true)
  if [[ "$placeholder" > "$after" ]]; then after=$placeholder; fi
  while read -r name; do
    if [ -z "$name" ] || [[ ! "$name" > "$after" ]] || grep -qx "$name" <<<"$SHIPPED_LIST"; then continue; fi
    pending+=("$name")
  done <<<"$(spool_segments)"
  if [ ${#pending[@]} -gt 0 ]; then ship_segments "${pending[@]}"; fi
  after=$(spool_segments | tail -n 1)
  while read -r name; do
    [ -z "$name" ] || [ "$name" = "$after" ] || rm -f -- "${SPOOL:?}/$name"
  done <<<"$(spool_segments)"
}

# receive_wal NEXT END: pg_receivewal from segment NEXT up to the last byte before segment END,
# which the server has completed; it stops once it has that segment whole.
receive_wal() {
  local next=$1 end=$2
  require_free_space "$SPOOL" $(((end - next) * WAL_SEGMENT_SIZE + 1048576))
  # pg_receivewal starts after the newest completed segment it finds; every version does, while
  # only 15 and later would start at the slot's restart_lsn in an empty dir.
  local before
  before=$(segment_name $((next - 1)) "$TIMELINE")
  if [ ! -e "$SPOOL/$before" ]; then placeholder "$before"; fi
  rm -f -- "${SPOOL:?}"/*.partial
  step receive-wal
  "${PG_RECEIVEWAL[@]}" "${CONNECT[@]}" -D "$SPOOL" -S "$WAL_SLOT" -E "$(lsn_of_byte $((end * WAL_SEGMENT_SIZE - 1)))" -n \
    2>"$CRONSNAP_WORK/receive.err" \
    || fail "pg_receivewal from $PG_HOST:$PG_PORT on slot $WAL_SLOT failed: $(tail -n 1 "$CRONSNAP_WORK/receive.err")"
}

ship_wal() {
  step list-wal
  local next end
  SHIPPED=() GAP_FROM='' GAP_TO=''
  SHIPPED_LIST=$(shipped_segments)
  NEWEST_SHIPPED=$(tail -n 1 <<<"$SHIPPED_LIST")
  # Received before a failed upload: shipped first, as nothing else holds them now.
  ship_spooled ''
  ensure_slot
  if [ -n "$NEWEST_SHIPPED" ]; then next=$(($(segment_number "$NEWEST_SHIPPED") + 1)); else next=$(segment_of_lsn "$SLOT_RESTART"); fi
  if [ "$(segment_of_lsn "$SLOT_RESTART")" -gt "$next" ]; then
    GAP_FROM=$(segment_name "$next" "$TIMELINE")
    next=$(segment_of_lsn "$SLOT_RESTART")
    GAP_TO=$(segment_name $((next - 1)) "$TIMELINE")
    log "the server no longer has WAL segments $GAP_FROM to $GAP_TO, which were never shipped"
  fi
  # A commit after this run's start, in the segment the switch closes: a recovery to any time
  # before the start stops at the first commit past its target, and PostgreSQL 13 and later refuse
  # to end short of one. txid_current() takes a transaction id, so its commit is logged.
  pg_query 'SELECT txid_current()' >/dev/null 2>"$CRONSNAP_WORK/switch.err" \
    || fail "the marker commit on $PG_HOST:$PG_PORT failed: $(tail -n 1 "$CRONSNAP_WORK/switch.err")"
  pg_query 'SELECT pg_switch_wal()' >/dev/null 2>"$CRONSNAP_WORK/switch.err" \
    || fail "pg_switch_wal() on $PG_HOST:$PG_PORT failed (the user needs EXECUTE on it): $(tail -n 1 "$CRONSNAP_WORK/switch.err")"
  end=$(segment_of_lsn "$(pg_query 'SELECT pg_current_wal_lsn()')")
  if [ "$end" -gt "$next" ]; then
    receive_wal "$next" "$end"
    ship_spooled "$(segment_name $((next - 1)) "$TIMELINE")"
  fi
  release_shipped
  RETAINED_BYTES=$(pg_query "SELECT (pg_current_wal_lsn() - restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '$WAL_SLOT'")
}

# release_shipped: the slot moved past the newest segment now in S3. pg_receivewal reports what it
# flushed only every few seconds, and not as it stops at --endpos, so the slot would hold a run's
# WAL until the next run. PostgreSQL 10 has no pg_replication_slot_advance: there it does.
release_shipped() {
  if [ -z "$NEWEST_SHIPPED" ] || [ "$(pg_query 'SHOW server_version_num')" -lt 110000 ]; then return 0; fi
  local shipped_end
  shipped_end=$(lsn_of_byte $((($(segment_number "$NEWEST_SHIPPED") + 1) * WAL_SEGMENT_SIZE)))
  pg_query "SELECT pg_replication_slot_advance('$WAL_SLOT', greatest(restart_lsn, '$shipped_end'::pg_lsn)) FROM pg_replication_slots WHERE slot_name = '$WAL_SLOT'" >/dev/null \
    2>"$CRONSNAP_WORK/advance.err" || log "the slot $WAL_SLOT was not advanced to $shipped_end: $(tail -n 1 "$CRONSNAP_WORK/advance.err")"
}

write_run_manifest() {
  step manifest
  local list='' name gap=null
  for name in ${SHIPPED[@]+"${SHIPPED[@]}"}; do list+="${list:+, }$(json_str "$name")"; done
  if [ -n "$GAP_FROM" ]; then gap="{\"from\": $(json_str "$GAP_FROM"), \"to\": $(json_str "$GAP_TO")}"; fi
  cat >"$CRONSNAP_WORK/manifest.json" <<JSON
{
  "formatVersion": 1, "cronsnapVersion": $(json_str "$CRONSNAP_VERSION"), "kind": "postgres-wal", "job": $(json_str "$JOB"), "runId": $(json_str "$RUN_ID"), "host": $(json_str "$HOST"),
  "startedAt": $(json_str "$STARTED_AT"), "finishedAt": $(json_str "$(now_iso)"),
  "server": $(json_str "$PG_HOST:$PG_PORT"), "serverVersion": $(json_str "$SERVER_VERSION"), "systemIdentifier": $(json_str "$SYSTEM_ID"),
  "timeline": $TIMELINE, "walSegmentSize": $WAL_SEGMENT_SIZE, "logPrefix": $(json_str "$LOG_PREFIX"),
  "slot": $(json_str "$WAL_SLOT"), "slotCreated": $SLOT_CREATED, "slotRetainedBytes": ${RETAINED_BYTES:-0},
  "newestShipped": $(json_str "$NEWEST_SHIPPED"), "shipped": [$list], "gap": $gap
}
JSON
  put_manifest "$CRONSNAP_WORK/manifest.json"
}

main() {
  step preflight
  load_common_params
  load_wal_params
  require_commands "${PG_RECEIVEWAL[0]}" "${PSQL[0]}" zstd aws flock truncate
  # Beside the job's base backups, never beside another shipping run of it.
  acquire_job_lock "$JOB.wal"
  make_work_dir "$WORK_PARENT"
  write_pgpass
  read_wal_facts
  open_spool
  ship_wal
  write_run_manifest
  log "shipped ${#SHIPPED[@]} WAL segments of $PG_HOST:$PG_PORT to s3://$BUCKET/$LOG_PREFIX/"
  step finished
}

main
