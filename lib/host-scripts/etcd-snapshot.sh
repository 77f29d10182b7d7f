# etcd engine: health of every endpoint, one snapshot from one healthy member, verified, compressed,
# uploaded, manifest last. In cold-copy mode (seed 000, Param-etcd) the local member is stopped,
# its data dir copied, and the member started again before anything is uploaded. Runs after
# common.sh in the same document.

load_etcd_params() {
  load_etcdctl_params
  ENDPOINTS=$(param endpoints)
  DATA_DIR=$(param dataDir)
  MEMBER_NAME=$(optional_param memberName)
  CLUSTER_TOKEN=$(optional_param clusterToken)
  WORK_PARENT=$(param workDir)
  TIMEOUT_SECONDS=$(param timeoutSeconds)
  IFS=',' read -r -a MEMBER_CONFIG_HOSTS <<<"$(optional_param memberConfigHosts)"
  MODE=$(param mode)
  load_service_params
  if [ "$MODE" = cold-copy ] && [ -z "$MEMBER_NAME" ]; then fail "cold-copy needs memberName: the member this host stops"; fi
}

check_health() {
  step health
  # endpoint health exits 1 when any member is unhealthy; that is recorded, not fatal, as long
  # as one member can serve the snapshot.
  HEALTH_JSON=$(etcdctl_cmd --endpoints="$ENDPOINTS" endpoint health -w json 2>"$CRONSNAP_WORK/health.err" || true)
  [[ "$HEALTH_JSON" == \[* ]] || fail "etcdctl endpoint health gave no answer: $(tail -n 1 "$CRONSNAP_WORK/health.err")"
  # etcdctl refuses a snapshot from several endpoints (etcd issue 10855): take the first healthy one.
  SNAPSHOT_ENDPOINT=$(grep -o '"endpoint":"[^"]*","health":true' <<<"$HEALTH_JSON" | head -n 1 | cut -d'"' -f4 || true)
  if [ -z "$SNAPSHOT_ENDPOINT" ]; then
    local endpoint why=''
    for endpoint in ${ENDPOINTS//,/ }; do why+=$(tls_diagnosis "$endpoint"); done
    fail "no healthy etcd endpoint among $ENDPOINTS$why"
  fi
  log "snapshot endpoint=$SNAPSHOT_ENDPOINT"
}

read_member_facts() {
  step status
  local status members line
  status=$(etcdctl_cmd --endpoints="$SNAPSHOT_ENDPOINT" endpoint status -w json)
  DB_SIZE=$(grep -o '"dbSize":[0-9]*' <<<"$status" | cut -d: -f2)
  SERVER_VERSION=$(grep -o '"version":"[^"]*"' <<<"$status" | cut -d'"' -f4)
  members=$(etcdctl_cmd --endpoints="$SNAPSHOT_ENDPOINT" member list -w simple)
  MEMBERS_JSON=''
  MEMBER_ID='' PEER_URLS='' LOCAL_CLIENT_URLS=''
  # Lines read: "<hex id>, <status>, <name>, <peer urls>, <client urls>[, <is learner>]".
  while IFS= read -r line; do
    local id state name peers clients
    IFS=',' read -r id state name peers clients _ <<<"$line"
    name=${name# } peers=${peers# } clients=${clients# } state=${state# }
    MEMBERS_JSON+="${MEMBERS_JSON:+,}{\"id\":$(json_str "$id"),\"name\":$(json_str "$name"),\"status\":$(json_str "$state"),\"peerUrls\":$(json_str "$peers"),\"clientUrls\":$(json_str "$clients")}"
    # The backed-up member: the one serving the snapshot, or for a cold copy the one this host stops.
    if { [ "$MODE" = snapshot ] && [[ ",$clients," == *",$SNAPSHOT_ENDPOINT,"* ]]; } || { [ "$MODE" = cold-copy ] && [ "$name" = "$MEMBER_NAME" ]; }; then
      MEMBER_ID=$id
      PEER_URLS=$peers
      LOCAL_CLIENT_URLS=$clients
      [ -n "$MEMBER_NAME" ] || MEMBER_NAME=$name
    fi
  done <<<"$members"
  if [ "$MODE" = cold-copy ] && [ -z "$MEMBER_ID" ]; then fail "no etcd member is named $MEMBER_NAME"; fi
}

start_member_after_failure() {
  log "starting $MEMBER_NAME again after a failed cold copy"
  start_service "$CRONSNAP_WORK/start.log"
}

# Seed 000's Param-etcd procedure: stop the member, copy its data dir, start it, check health.
cold_copy() {
  step cold-copy-check
  [ -d "$DATA_DIR/member" ] || fail "$DATA_DIR/member does not exist on $HOST: cold-copy runs on the member it copies"
  # Stopping a member of a degraded cluster could cost it quorum: only a fully healthy one is touched.
  if grep -q '"health":false' <<<"$HEALTH_JSON"; then fail "an endpoint is unhealthy; cold-copy does not stop $MEMBER_NAME on a degraded cluster"; fi
  local size
  size=$(du -sb "$DATA_DIR/member" | cut -f1)
  require_free_space "$CRONSNAP_WORK" $((size + size / 10 + 1048576))
  step stop
  CRONSNAP_EXIT_HOOKS+=(start_member_after_failure)
  stop_service "$CRONSNAP_WORK/stop.log" || fail "$(service_words stop) failed: $(tail -n 1 "$CRONSNAP_WORK/stop.log")"
  if etcdctl_cmd --endpoints="$LOCAL_CLIENT_URLS" --command-timeout=3s endpoint health >/dev/null 2>&1; then
    fail "$MEMBER_NAME still answers on $LOCAL_CLIENT_URLS after $(service_words stop); its data dir is not copied while it runs"
  fi
  step copy
  mkdir "$CRONSNAP_WORK/copy"
  cp -a -- "$DATA_DIR/member" "$CRONSNAP_WORK/copy/member"
  step start
  start_service "$CRONSNAP_WORK/start.log" || fail "$(service_words start) failed: $(tail -n 1 "$CRONSNAP_WORK/start.log")"
  CRONSNAP_EXIT_HOOKS=()
  step health-after-start
  wait_for_health "$MEMBER_NAME was started again"
  SNAPSHOT="$CRONSNAP_WORK/copy/member/snap/db"
  SNAPSHOT_ENDPOINT=$LOCAL_CLIENT_URLS
}

upload_data_dir() {
  step upload
  PAYLOAD_KEY="$OUTPUT_PREFIX/data-dir.tar.zst"
  expect_payload "$(du -sb "$CRONSNAP_WORK/copy" | cut -f1)"
  upload_output "$PAYLOAD_KEY" "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID,etcd-revision=$SNAP_REVISION,etcd-hash=$SNAP_HASH" "$CRONSNAP_WORK/tar.err" \
    tar -C "$CRONSNAP_WORK/copy" -c -f - "${TAR_METADATA_FLAGS[@]}" member \
    || fail "archiving the copied data dir failed: $(tail -n 1 "$CRONSNAP_WORK/tar.err")"
}

# The members' config sets of this run, where each member's manifest will be.
member_config_json() {
  local host out=''
  for host in ${MEMBER_CONFIG_HOSTS[@]+"${MEMBER_CONFIG_HOSTS[@]}"}; do
    out+="${out:+, }{\"host\": $(json_str "$host"), \"manifestKey\": $(json_str "$RUN_PREFIX/$host/member-config/manifest.json")}"
  done
  printf '[%s]' "$out"
}

remove_shared_snapshot() { rm -f -- "$SNAPSHOT" "$SNAPSHOT.part"; }

take_snapshot() {
  local saved_to
  SNAPSHOT="$CRONSNAP_WORK/snapshot.db"
  if in_container; then
    # Seed 002: etcdctl in the pod writes under the dir it shares with the host, which uploads it.
    [ -d "$SHARED_HOST_DIR" ] || fail "sharedDir.host $SHARED_HOST_DIR does not exist on $HOST"
    SNAPSHOT="$SHARED_HOST_DIR/cronsnap-$JOB-$RUN_ID.db"
    CRONSNAP_EXIT_HOOKS+=(remove_shared_snapshot)
  fi
  step free-space
  # The snapshot is about the size of the backend db; leave a tenth more as headroom.
  require_free_space "$(dirname "$SNAPSHOT")" $(( DB_SIZE + DB_SIZE / 10 + 1048576 ))
  step snapshot
  saved_to=$SNAPSHOT
  if in_container; then saved_to=$(container_path "$SNAPSHOT"); fi
  etcdctl_words || fail "$CONTAINER_PROBLEM"
  # A large db needs far more than the 5 s default command timeout (etcd issue 10298).
  ETCDCTL_API=3 timeout "$TIMEOUT_SECONDS" "${ETCDCTL_WORDS[@]}" ${TLS_ARGS[@]+"${TLS_ARGS[@]}"} \
    --endpoints="$SNAPSHOT_ENDPOINT" --command-timeout="${TIMEOUT_SECONDS}s" \
    snapshot save "$saved_to" >"$CRONSNAP_WORK/snapshot.log" 2>&1 \
    || fail "etcdctl snapshot save from $SNAPSHOT_ENDPOINT failed: $(tail -n 1 "$CRONSNAP_WORK/snapshot.log")"
  if [ ! -s "$SNAPSHOT" ]; then
    fail "etcdctl in container $CONTAINER_ID saved $saved_to, which is not $SNAPSHOT on the host: sharedDir.container $SHARED_CONTAINER_DIR is not the container's mount of sharedDir.host $SHARED_HOST_DIR (the snapshot was left inside the container)"
  fi
}

verify_snapshot() {
  step verify
  local status
  status=$(snapshot_status "$SNAPSHOT" 2>"$CRONSNAP_WORK/verify.err") \
    || fail "snapshot status rejected the snapshot: $(tail -n 1 "$CRONSNAP_WORK/verify.err")"
  SNAP_HASH=$(grep -o '"hash":[0-9]*' <<<"$status" | cut -d: -f2)
  SNAP_REVISION=$(grep -o '"revision":[0-9]*' <<<"$status" | cut -d: -f2)
  SNAP_TOTAL_KEYS=$(grep -o '"totalKey":[0-9]*' <<<"$status" | cut -d: -f2)
  SNAP_TOTAL_SIZE=$(grep -o '"totalSize":[0-9]*' <<<"$status" | cut -d: -f2)
  if [ -z "$SNAP_HASH" ] || [ -z "$SNAP_REVISION" ]; then fail "etcdctl snapshot status gave no hash or revision: $status"; fi
  # The live keys at the snapshot's revision, which a restore drill must find again. totalKey
  # cannot serve: it counts every revision of every key in every bucket. Compacted away: null.
  SNAP_KEY_COUNT=$(etcdctl_cmd --endpoints="$SNAPSHOT_ENDPOINT" --command-timeout=10s get '' --prefix --keys-only --limit=1 --rev="$SNAP_REVISION" -w json 2>/dev/null \
    | grep -o '"count":[0-9]*' | cut -d: -f2 || true)
}

upload_snapshot() {
  step upload
  PAYLOAD_KEY="$OUTPUT_PREFIX/snapshot.db.zst"
  expect_payload "$(stat -c %s "$SNAPSHOT")"
  upload_compressed "$SNAPSHOT" "$PAYLOAD_KEY" \
    "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID,etcd-revision=$SNAP_REVISION,etcd-hash=$SNAP_HASH"
}

write_manifest() {
  step manifest
  local manifest="$CRONSNAP_WORK/manifest.json"
  cat >"$manifest" <<JSON
{
  $(manifest_header etcd),
  "payload": $(payload_json),
  "tools": {
    "etcdctl": $(json_str "$ETCDCTL_VERSION"),
    "etcdServer": $(json_str "$SERVER_VERSION"),
    "container": $(container_json),
    "zstd": $(json_str "$(zstd_version)")
  },
  "etcd": {
    "mode": $(json_str "$MODE"),
    "endpoint": $(json_str "$SNAPSHOT_ENDPOINT"),
    "revision": $SNAP_REVISION,
    "hash": $SNAP_HASH,
    "totalKeys": ${SNAP_TOTAL_KEYS:-0},
    "keyCount": ${SNAP_KEY_COUNT:-null},
    "totalSize": ${SNAP_TOTAL_SIZE:-0},
    "dbSize": ${DB_SIZE:-0},
    "memberId": $(json_str "$MEMBER_ID"),
    "memberName": $(json_str "$MEMBER_NAME"),
    "peerUrls": $(json_str "$PEER_URLS"),
    "dataDir": $(json_str "$DATA_DIR"),
    "clusterToken": $(json_str "$CLUSTER_TOKEN"),
    "members": [$MEMBERS_JSON],
    "memberConfig": $(member_config_json),
    "health": $HEALTH_JSON
  }
}
JSON
  put_manifest "$manifest"
  log "manifest=s3://$BUCKET/$OUTPUT_PREFIX/manifest.json revision=$SNAP_REVISION sha256=$PAYLOAD_SHA256"
}

# The container the snapshot came from, as the manifest's tools record it.
container_json() {
  in_container || { echo '""'; return; }
  json_str "$CONTAINER_RUNTIME $CONTAINER_ID ($(container_label))"
}

main() {
  step preflight
  load_common_params
  load_etcd_params
  require_commands "$(etcdctl_program)" zstd aws flock timeout
  require_etcdctl
  acquire_job_lock "$JOB"
  make_work_dir "$WORK_PARENT"
  check_health
  read_member_facts
  if [ "$MODE" = cold-copy ]; then
    cold_copy
    verify_snapshot
    upload_data_dir
  else
    take_snapshot
    verify_snapshot
    upload_snapshot
  fi
  write_manifest
  step finished
}

main
