# etcd restore, one action per call, driven member by member by the restore workflow (seeds 001,
# 003, 004): prepare (download, sha256, snapshot status, free space) → stop → restore (old data dir
# moved aside, never deleted; `snapshot restore` with this member's flags) → start → health; and
# rollback, which puts the old data dir back. Runs after common.sh.

# The snapshot fetch_snapshot downloads and checks (ETCD_SNAPSHOT_PARAMETERS in restore-programs.ts).
load_snapshot_params() {
  PAYLOAD_KEY=$(param payloadKey)
  PAYLOAD_SHA256=$(param payloadSha256)
  PAYLOAD_MODE=$(param payloadMode)
}

load_restore_params() {
  load_restore_common_params
  load_snapshot_params
  MEMBER_NAME=$(param memberName)
  INITIAL_CLUSTER=$(param initialCluster)
  CLUSTER_TOKEN=$(param clusterToken)
  PEER_URLS=$(param peerUrls)
  CLIENT_URLS=$(param clientUrls)
  ENDPOINTS=$(param endpoints)
  load_etcdctl_params
  load_service_params
  DATA_DIR=$(param dataDir)
  # The plan names the data dir as etcd sees it; a static pod's is where its manifest mounts it from.
  if [ -n "$STATIC_POD_MANIFEST" ]; then DATA_DIR=$(static_pod_host_dir "$DATA_DIR"); fi
  QUOTA_BACKEND_BYTES=$(optional_param quotaBackendBytes)
  TARGET_REVISION=$(optional_param targetRevision)
  STAMP=$(param stamp)
  WORK_PARENT=$(param workDir)
  # Kept from prepare to restore (separate commands), removed once the member is healthy again.
  RESTORE_DIR="$WORK_PARENT/cronsnap-restore-$JOB-$MEMBER_NAME-$STAMP"
  OLD_DATA_DIR="$DATA_DIR.old-$STAMP"
}

# --bump-revision needs etcdutl 3.5 or later; without it watchers may see the revision go back (etcd issue 16028).
can_bump_revision() {
  command -v etcdutl >/dev/null 2>&1 && help_mentions --bump-revision etcdutl snapshot restore --help
}

snapshot_path() {
  if [ "$PAYLOAD_MODE" = cold-copy ]; then echo "$RESTORE_DIR/copy/member/snap/db"; else echo "$RESTORE_DIR/snapshot.db"; fi
}

# Before the stop nothing is touched: a failed or abandoned prepare leaves no trace.
abandon() {
  rm -rf -- "$RESTORE_DIR"
  rm -f -- "$(restore_marker "$JOB")"
}

# fetch_snapshot: one streaming pass downloads the payload, hashes it as stored (it must be the
# manifest's sha256) and decompresses it into RESTORE_DIR: the snapshot, or a cold copy's member
# dir. Nothing else reads it before the hash is checked. The decompressed bytes are not hashed
# again: the manifest's rawSha256 was taken from this very payload decompressed, and zstd -d checks
# each frame's own XXH64 content checksum, so identical stored bytes can only give identical raw
# ones (hashing the raw stream as well made a drill 1.3x a plain restore instead of 1.1x).
fetch_snapshot() {
  local payload="$RESTORE_DIR/payload" statuses=(0 0 0) stored
  tap stored-sha256 sha256_stdin
  # tee_on goes on hashing what was stored after zstd stops on a corrupt payload, so a tampered
  # payload is named by its sha256 rather than by zstd's complaint.
  aws_cli s3 cp "s3://$BUCKET/$PAYLOAD_KEY" - --only-show-errors 2>"$RESTORE_DIR/download.err" \
    | tee_on "$CRONSNAP_WORK/stored-sha256.fifo" \
    | zstd -q -d -c 2>"$RESTORE_DIR/zstd.err" >"$payload" || statuses=("${PIPESTATUS[@]}")
  wait_taps
  [ "${statuses[0]}" -eq 0 ] || fail "cannot download s3://$BUCKET/$PAYLOAD_KEY: $(tail -n 1 "$RESTORE_DIR/download.err")"
  stored=$(tap_value stored-sha256)
  [ "$stored" = "$PAYLOAD_SHA256" ] || fail "sha256 of s3://$BUCKET/$PAYLOAD_KEY is $stored but the manifest says $PAYLOAD_SHA256; nothing was changed"
  [ "${statuses[2]}" -eq 0 ] || fail "cannot decompress s3://$BUCKET/$PAYLOAD_KEY: $(tail -n 1 "$RESTORE_DIR/zstd.err"); nothing was changed"
  if [ "$PAYLOAD_MODE" = cold-copy ]; then
    mkdir "$RESTORE_DIR/copy"
    tar -x -f "$payload" -C "$RESTORE_DIR/copy" "${TAR_METADATA_FLAGS[@]}"
    rm -f -- "$payload"
  else
    mv -- "$payload" "$RESTORE_DIR/snapshot.db"
  fi
}

# require_offline_tool: a member in a container is stopped while its data dir is restored, so the
# host itself needs the tool that reads and restores snapshot files.
require_offline_tool() {
  [ ${#OFFLINE_TOOL[@]} -gt 0 ] || fail "neither etcdutl nor etcdctl is on $HOST: the member's container is stopped while its data dir is restored, so the host needs one (install the etcd client package, or copy etcdutl or etcdctl out of the etcd image)"
}

# read_snapshot_status: `snapshot status` of the fetched snapshot (SNAPSHOT_STATUS, JSON), which a
# restore reports and checks before any member is stopped.
read_snapshot_status() {
  SNAPSHOT_STATUS=$(snapshot_status "$(snapshot_path)" 2>"$RESTORE_DIR/status.err") \
    || fail "snapshot status rejected the downloaded snapshot: $(tail -n 1 "$RESTORE_DIR/status.err"); nothing was changed"
}

# restore_snapshot: `snapshot restore` of the fetched snapshot into DATA_DIR as member MEMBER_NAME
# of INITIAL_CLUSTER; DATA_DIR must not exist.
restore_snapshot() {
  local args=(snapshot restore "$(snapshot_path)" --name "$MEMBER_NAME" --initial-cluster "$INITIAL_CLUSTER"
    --initial-cluster-token "$CLUSTER_TOKEN" --initial-advertise-peer-urls "$PEER_URLS" --data-dir "$DATA_DIR")
  # A cold copy's db was copied from a stopped member, not written by `snapshot save`: it has no hash (seed 002).
  if [ "$PAYLOAD_MODE" = cold-copy ]; then args+=(--skip-hash-check); fi
  if can_bump_revision; then args+=(--bump-revision 1000000000 --mark-compacted); fi
  if ! ETCDCTL_API=3 "${OFFLINE_TOOL[@]}" "${args[@]}" >"$CRONSNAP_WORK/restore.log" 2>&1; then
    fail "snapshot restore into $DATA_DIR failed: $(tail -n 1 "$CRONSNAP_WORK/restore.log")"
  fi
}

prepare() {
  step prepare
  mkdir -p "$RESTORE_DIR"
  chmod 700 "$RESTORE_DIR"
  now_iso >"$(restore_marker "$JOB")"
  CRONSNAP_EXIT_HOOKS+=(abandon)
  require_offline_tool
  fetch_snapshot
  read_snapshot_status
  local size parent
  size=$(stat -c %s "$(snapshot_path)")
  parent=$(dirname "$DATA_DIR")
  [ -d "$parent" ] || fail "the data dir's parent $parent does not exist on $HOST"
  # The restored member holds the db plus its WAL; twice the db leaves room for both.
  require_free_space "$parent" $((size * 2 + 67108864))
  local bump=false
  if can_bump_revision; then bump=true; fi
  CRONSNAP_EXIT_HOOKS=()
  report prepared "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME"), \"status\": $SNAPSHOT_STATUS, \"bumpRevision\": $bump}"
}

stop_member() {
  step stop
  stop_service "$CRONSNAP_WORK/stop.log" || fail "$(service_words stop) failed: $(tail -n 1 "$CRONSNAP_WORK/stop.log")"
  if etcdctl_cmd --endpoints="$CLIENT_URLS" --command-timeout=3s endpoint health >/dev/null 2>&1; then
    fail "$MEMBER_NAME still answers on $CLIENT_URLS after $(service_words stop)"
  fi
  report stopped "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME")}"
}

restore_member() {
  step restore
  [ -e "$(snapshot_path)" ] || fail "no prepared snapshot in $RESTORE_DIR: run prepare first"
  exists "$OLD_DATA_DIR" && fail "$OLD_DATA_DIR already exists; nothing was changed"
  local owner=''
  if exists "$DATA_DIR"; then
    owner=$(stat -c %u:%g "$DATA_DIR")
    mv -- "$DATA_DIR" "$OLD_DATA_DIR"
    # Rollback reverses only what this restore recorded doing, never a dir it did not move.
    echo moved >"$RESTORE_DIR/moved-aside"
    report moved "{\"host\": $(json_str "$HOST"), \"from\": $(json_str "$DATA_DIR"), \"to\": $(json_str "$OLD_DATA_DIR")}"
  fi
  echo restoring >"$RESTORE_DIR/restored"
  restore_snapshot
  if [ -n "$owner" ]; then chown -R "$owner" "$DATA_DIR"; fi
  if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then restorecon -RF "$DATA_DIR"; fi
  report restored "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME"), \"dataDir\": $(json_str "$DATA_DIR")}"
}

start_member() {
  step start
  if [ -n "$QUOTA_BACKEND_BYTES" ]; then export ETCD_QUOTA_BACKEND_BYTES="$QUOTA_BACKEND_BYTES"; fi
  start_service "$CRONSNAP_WORK/start.log" || fail "$(service_words start) failed: $(tail -n 1 "$CRONSNAP_WORK/start.log")"
  report started "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME")}"
}

check_health() {
  step health
  local count
  wait_for_health 'the restore'
  # etcdctl 3.4 has no --count-only; a one-key range still reports the total count.
  count=$(etcdctl_cmd --endpoints="$CLIENT_URLS" get '' --prefix --keys-only --limit=1 -w json | grep -o '"count":[0-9]*' | cut -d: -f2)
  rm -rf -- "$RESTORE_DIR"
  rm -f -- "$(restore_marker "$JOB")"
  report healthy "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME"), \"keys\": ${count:-0}}"
}

# report_old_revision: the revision this member had reached before the restore, read (read-only)
# from the db in its moved-aside data dir, and whether its restore bumped the revision offline.
# The restore workflow advances the cluster past the highest of them when no member could.
report_old_revision() {
  step revision
  local db="$OLD_DATA_DIR/member/snap/db" revision=null offline=false status unreadable=''
  if can_bump_revision; then offline=true; fi
  if [ -f "$db" ]; then
    require_offline_tool
    # A corrupt db is what takes a member down: the other members' revisions still count.
    if status=$(snapshot_status "$db" 2>"$CRONSNAP_WORK/old-status.err"); then
      revision=$(grep -o '"revision":[0-9]*' <<<"$status" | cut -d: -f2)
    else
      unreadable=", \"unreadable\": $(json_str "$(tail -n 1 "$CRONSNAP_WORK/old-status.err")")"
      log "the moved-aside $db cannot be read: $(tail -n 1 "$CRONSNAP_WORK/old-status.err")"
    fi
  fi
  report oldRevision "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME"), \"db\": $(json_str "$db"), \"revision\": ${revision:-null}, \"offlineBump\": $offline$unreadable}"
}

# The online revision bump talks to the gRPC gateway, which serves each release's API under its
# own prefix (3.5 dropped v3beta, 3.2 has only v3alpha); many puts over a few kept-alive curl
# connections take seconds where one etcdctl process per put would take an hour.
BUMP_KEY=/cronsnap/revision-bump
BUMP_PUTS_PER_ROUND=20000
BUMP_CONNECTIONS=4

gateway() {
  local path=$1
  shift
  curl -sS --max-time 900 ${CURL_TLS[@]+"${CURL_TLS[@]}"} "$@" "$GATEWAY$path"
}

# gateway_revision: the cluster's current revision, from a range request's header.
gateway_revision() {
  gateway "/$GATEWAY_API/kv/range" -X POST -d "{\"key\": \"$BUMP_KEY_B64\"}" 2>"$CRONSNAP_WORK/gateway.err" \
    | grep -o '"revision":"[0-9]*"' | head -n 1 | tr -dc 0-9
}

# gateway_puts N: N puts of BUMP_KEY, over BUMP_CONNECTIONS connections (curl's URL ranges give
# each connection its share of requests; the gateway ignores the query string).
gateway_puts() {
  local total=$1 share i pids=()
  share=$(((total + BUMP_CONNECTIONS - 1) / BUMP_CONNECTIONS))
  for ((i = 0; i < BUMP_CONNECTIONS && total > 0; i++)); do
    if [ "$share" -gt "$total" ]; then share=$total; fi
    gateway "/$GATEWAY_API/kv/put?[1-$share]" -X POST -d "{\"key\": \"$BUMP_KEY_B64\", \"value\": \"\"}" \
      >/dev/null 2>"$CRONSNAP_WORK/gateway-$i.err" &
    pids+=($!)
    total=$((total - share))
  done
  for i in "${pids[@]}"; do wait "$i" || true; done
}

# bump_revision: the online counterpart of etcdutl's --bump-revision --mark-compacted, for
# clusters without etcdutl 3.5 (etcd issue 16028): puts of one key take the restored cluster's
# revision to TARGET_REVISION, the key is deleted, and the cluster is compacted there, so a
# Kubernetes watcher resuming from a revision it saw before the loss gets "compacted" and lists
# again instead of missing or repeating events. Compacting each round keeps the db from growing
# by the puts' history.
bump_revision() {
  step revision
  local url=${CLIENT_URLS%%,*} version from current before remaining
  CURL_TLS=()
  if [ -n "$TLS_CA" ]; then CURL_TLS=(--cacert "$TLS_CA" --cert "$TLS_CERT" --key "$TLS_KEY"); fi
  GATEWAY=$url
  version=$(gateway /version 2>"$CRONSNAP_WORK/gateway.err") || fail "cannot reach $url/version: $(tail -n 1 "$CRONSNAP_WORK/gateway.err")"
  case $version in
    *'"etcdserver":"3.2.'*) GATEWAY_API=v3alpha ;;
    *'"etcdserver":"3.3.'*) GATEWAY_API=v3beta ;;
    *) GATEWAY_API=v3 ;;
  esac
  BUMP_KEY_B64=$(printf %s "$BUMP_KEY" | base64)
  from=$(gateway_revision)
  [ -n "$from" ] || fail "the gRPC gateway at $url/$GATEWAY_API gave no revision (is --enable-grpc-gateway off?): $(tail -n 1 "$CRONSNAP_WORK/gateway.err")"
  current=$from
  while [ $((TARGET_REVISION - 1 - current)) -gt 0 ]; do
    before=$current
    remaining=$((TARGET_REVISION - 1 - current))
    gateway_puts $((remaining < BUMP_PUTS_PER_ROUND ? remaining : BUMP_PUTS_PER_ROUND))
    current=$(gateway_revision)
    [ "${current:-0}" -gt "$before" ] || fail "puts of $BUMP_KEY through $url/$GATEWAY_API did not advance the revision from $before: $(cat "$CRONSNAP_WORK"/gateway*.err | tail -n 1)"
    etcdctl_cmd --endpoints="$url" compact "$current" >/dev/null 2>"$CRONSNAP_WORK/compact.err" \
      || fail "compact at $current failed: $(tail -n 1 "$CRONSNAP_WORK/compact.err")"
  done
  gateway "/$GATEWAY_API/kv/deleterange" -X POST -d "{\"key\": \"$BUMP_KEY_B64\"}" -o /dev/null 2>"$CRONSNAP_WORK/gateway.err" \
    || fail "cannot delete $BUMP_KEY: $(tail -n 1 "$CRONSNAP_WORK/gateway.err")"
  current=$(gateway_revision)
  etcdctl_cmd --endpoints="$url" compact "$current" >/dev/null 2>"$CRONSNAP_WORK/compact.err" \
    || fail "compact at $current failed: $(tail -n 1 "$CRONSNAP_WORK/compact.err")"
  report bumped "{\"host\": $(json_str "$HOST"), \"from\": $from, \"to\": $current, \"target\": $TARGET_REVISION, \"compacted\": $current}"
}

rollback() {
  step rollback
  stop_service "$CRONSNAP_WORK/stop.log" || log "stop before rollback failed: $(tail -n 1 "$CRONSNAP_WORK/stop.log")"
  if [ -e "$RESTORE_DIR/restored" ] && [ -e "$DATA_DIR" ]; then
    mv -- "$DATA_DIR" "$DATA_DIR.failed-$STAMP"
    report moved "{\"host\": $(json_str "$HOST"), \"from\": $(json_str "$DATA_DIR"), \"to\": $(json_str "$DATA_DIR.failed-$STAMP")}"
  fi
  if [ -e "$RESTORE_DIR/moved-aside" ]; then
    mv -- "$OLD_DATA_DIR" "$DATA_DIR"
    report moved "{\"host\": $(json_str "$HOST"), \"from\": $(json_str "$OLD_DATA_DIR"), \"to\": $(json_str "$DATA_DIR")}"
  fi
  # A member that had no data dir before the restore stays stopped, as it was.
  if [ -e "$DATA_DIR" ]; then start_member; fi
  rm -rf -- "$RESTORE_DIR"
  rm -f -- "$(restore_marker "$JOB")"
  report rolledBack "{\"host\": $(json_str "$HOST"), \"member\": $(json_str "$MEMBER_NAME")}"
}

# membership_change remove ID | add NAME --peer-urls=URLS: judged by the member list afterwards,
# not only by etcdctl's status: etcdctl 3.3 can fail with "Error: <nil>" after the cluster applied
# the change. etcd refuses changes until every member has been connected for 5 s ("unhealthy
# cluster"), and a busy member may drop the call's connection (gRPC "code = Unavailable ...
# transport is closing", seen with etcd 3.2.28 on a loaded host), so those answers are retried for
# half a minute, each retry after the member list says the change was not made.
membership_change() {
  local attempt
  for attempt in 1 2 3 4 5 6; do
    etcdctl_cmd --endpoints="$ENDPOINTS" member "$@" >"$CRONSNAP_WORK/membership.log" 2>&1 && return 0
    if membership_applied "$@"; then
      log "member $1 said '$(tail -n 1 "$CRONSNAP_WORK/membership.log")', but the member list shows it done"
      return 0
    fi
    if [ "$attempt" -eq 6 ] || ! grep -q -E 'unhealthy cluster|code = Unavailable' "$CRONSNAP_WORK/membership.log"; then return 1; fi
    sleep 5
  done
}

# membership_applied remove ID | add NAME --peer-urls=URLS: whether the member list shows the change made.
membership_applied() {
  local list
  list=$(etcdctl_cmd --endpoints="$ENDPOINTS" member list -w simple 2>/dev/null) || return 1
  case $1 in
    remove) ! grep -q "^$2," <<<"$list" ;;
    add) grep -qF -- ", ${3#--peer-urls=}," <<<"$list" ;;
  esac
}

# Seed 001, one member lost with quorum kept, on a healthy peer: remove the lost member and add it
# back under the same name and peer URLs, so it can join again with a fresh data dir.
replace_membership() {
  step membership
  local line id='' name state healthy total
  # Membership changes go through raft: without quorum they time out with "context deadline exceeded".
  total=$(tr ',' '\n' <<<"$ENDPOINTS" | grep -c .)
  healthy=$(etcdctl_cmd --endpoints="$ENDPOINTS" --command-timeout=5s endpoint health -w json 2>/dev/null | grep -o '"health":true' | grep -c . || true)
  if [ "$healthy" -le $((total / 2)) ]; then
    fail "$healthy of $total members are healthy: the cluster has lost quorum, and a member can be replaced only while it has one; restore the whole cluster instead (a restore without targets); nothing was changed"
  fi
  while IFS= read -r line; do
    IFS=',' read -r id state name _ <<<"$line"
    name=${name# } state=${state# }
    if [ "$name" = "$MEMBER_NAME" ]; then break; fi
    id=''
  done < <(etcdctl_cmd --endpoints="$ENDPOINTS" member list -w simple)
  if [ -n "$id" ]; then
    membership_change remove "$id" \
      || fail "member remove $id ($MEMBER_NAME) failed: $(tail -n 1 "$CRONSNAP_WORK/membership.log")"
    report removed "{\"member\": $(json_str "$MEMBER_NAME"), \"id\": $(json_str "$id")}"
  fi
  membership_change add "$MEMBER_NAME" --peer-urls="$PEER_URLS" \
    || fail "member add $MEMBER_NAME failed: $(tail -n 1 "$CRONSNAP_WORK/membership.log")"
  report added "{\"member\": $(json_str "$MEMBER_NAME"), \"peerUrls\": $(json_str "$PEER_URLS")}"
}

# On the replaced member: stop it, move its data dir aside, start it with an empty one to join
# the running cluster (ETCD_INITIAL_CLUSTER_STATE=existing).
rejoin() {
  step rejoin
  stop_service "$CRONSNAP_WORK/stop.log" || log "stop before rejoin failed: $(tail -n 1 "$CRONSNAP_WORK/stop.log")"
  local owner=''
  if [ -e "$DATA_DIR" ]; then
    [ -e "$OLD_DATA_DIR" ] && fail "$OLD_DATA_DIR already exists; nothing was changed"
    owner=$(stat -c %u:%g "$DATA_DIR")
    mv -- "$DATA_DIR" "$OLD_DATA_DIR"
    report moved "{\"host\": $(json_str "$HOST"), \"from\": $(json_str "$DATA_DIR"), \"to\": $(json_str "$OLD_DATA_DIR")}"
  fi
  # A kubelet would make a missing hostPath dir 0755, which etcd warns about; etcd makes its own 0700.
  if [ -n "$STATIC_POD_MANIFEST" ]; then
    mkdir -m 700 -- "$DATA_DIR"
    if [ -n "$owner" ]; then chown "$owner" "$DATA_DIR"; fi
  fi
  # Same name and peer URLs as before, so the unit's --initial-cluster still holds; only the state changes.
  JOIN_EXISTING=true
  start_member
}
