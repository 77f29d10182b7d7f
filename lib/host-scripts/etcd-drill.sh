# etcd restore drill: the restore's own fetch (one streaming pass: download, stored sha256, zstd's
# own checksum) and `snapshot restore` (which checks the snapshot's own hash), into a private
# scratch dir as a one-member cluster of its own, started on free loopback ports; then what it
# holds is read back and reported. Live members are never contacted.
# Runs after common.sh, etcd-client.sh and etcd-restore.sh.

load_drill_params() {
  load_restore_common_params
  load_snapshot_params
  RAW_SIZE=$(param rawSize)
  PAYLOAD_SIZE=$(param payloadSize)
  load_etcdctl_params
  # The throwaway member is plain HTTP on loopback: the live cluster's TLS files do not apply.
  TLS_ARGS=()
  read -r -a ETCD_SERVER <<<"$(param etcd)"
  SAMPLE_KEYS=$(param sampleKeys)
  HEALTH_TIMEOUT=$(param healthTimeoutSeconds)
  WORK_PARENT=$(param workDir)
}

# free_port: a loopback port nothing listens on now (the member's start reports a race), below the
# kernel's ephemeral range: a port in it can be an outgoing connection's own (an upload, the live
# member's peers), which a connect does not see and the throwaway member's bind refuses.
free_port() {
  local port low=32768 range=/proc/sys/net/ipv4/ip_local_port_range
  if [ -r "$range" ]; then read -r low _ <"$range"; fi
  [ "$low" -gt 11024 ] || low=32768
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then printf '%s' "$port"; return; fi
  done
  fail "no free loopback port found"
}

stop_throwaway() {
  if [ -n "${THROWAWAY_PID:-}" ]; then
    kill "$THROWAWAY_PID" 2>/dev/null || true
    wait "$THROWAWAY_PID" 2>/dev/null || true
    THROWAWAY_PID=''
  fi
}

restore_throwaway() {
  step restore
  RESTORE_DIR="$CRONSNAP_WORK/restore"
  mkdir "$RESTORE_DIR"
  fetch_snapshot
  local client peer
  client=$(free_port) peer=$(free_port)
  MEMBER_NAME=cronsnap-drill
  PEER_URLS="http://127.0.0.1:$peer"
  CLIENT_URLS="http://127.0.0.1:$client"
  INITIAL_CLUSTER="$MEMBER_NAME=$PEER_URLS"
  CLUSTER_TOKEN="cronsnap-drill-$RANDOM$RANDOM"
  DATA_DIR="$CRONSNAP_WORK/data"
  restore_snapshot
}

start_throwaway() {
  step start
  CRONSNAP_EXIT_HOOKS+=(stop_throwaway)
  # env -i: no ETCD_* setting of the live member on this host may reach the throwaway one. A lone
  # member on loopback elects itself; production's election timeout would only delay that.
  env -i PATH="$PATH" "${ETCD_SERVER[@]}" --name "$MEMBER_NAME" --data-dir "$DATA_DIR" \
    --listen-client-urls "$CLIENT_URLS" --advertise-client-urls "$CLIENT_URLS" \
    --listen-peer-urls "$PEER_URLS" --initial-advertise-peer-urls "$PEER_URLS" \
    --initial-cluster "$INITIAL_CLUSTER" --initial-cluster-token "$CLUSTER_TOKEN" --initial-cluster-state new \
    --heartbeat-interval 10 --election-timeout 100 \
    >"$CRONSNAP_WORK/etcd.log" 2>&1 9>&- &
  THROWAWAY_PID=$!
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  until etcdctl_cmd --endpoints="$CLIENT_URLS" --command-timeout=2s endpoint health >/dev/null 2>&1; do
    kill -0 "$THROWAWAY_PID" 2>/dev/null || fail "the throwaway etcd exited: $(tail -n 1 "$CRONSNAP_WORK/etcd.log")"
    [ "$SECONDS" -lt "$deadline" ] || fail "the throwaway etcd was not healthy after ${HEALTH_TIMEOUT}s: $(tail -n 1 "$CRONSNAP_WORK/etcd.log")"
    sleep 0.05
  done
}

# What the restored member holds: its revision and key count, and a sample of keys read in full,
# all from one range read (its count is of every key, not only of those returned).
read_back() {
  step read-back
  local sample keys revision sampled
  sample=$(etcdctl_cmd --endpoints="$CLIENT_URLS" get '' --prefix --limit="$SAMPLE_KEYS" -w json)
  keys=$(grep -o '"count":[0-9]*' <<<"$sample" | cut -d: -f2 || true)
  revision=$(grep -o '"revision":[0-9]*' <<<"$sample" | head -n 1 | cut -d: -f2)
  sampled=$(grep -o '"key":"[^"]*"' <<<"$sample" | wc -l)
  local bump=false
  if can_bump_revision; then bump=true; fi
  report drilled "{\"host\": $(json_str "$HOST"), \"revision\": ${revision:-0}, \"keys\": ${keys:-0}, \"sampledKeys\": $sampled, \"bumpRevision\": $bump}"
}

main() {
  step preflight
  load_drill_params
  require_commands "${ETCDCTL[0]}" "${ETCD_SERVER[0]}" zstd aws flock
  require_etcdctl
  # Its own lock: a drill never holds up a backup or a restore of the job.
  acquire_job_lock "$JOB" drill
  # The download, the snapshot, and the restored member's db and WAL.
  require_free_space "$WORK_PARENT" $((PAYLOAD_SIZE + RAW_SIZE * 2 + 67108864))
  make_work_dir "$WORK_PARENT"
  restore_throwaway
  start_throwaway
  read_back
  stop_throwaway
  step finished
}

main
