# etcdctl functions shared by the etcd backup and restore. Runs after common.sh.

# The configured etcdctl (a binary, or e.g. `crictl exec -i <id> etcdctl`) and its TLS flags.
load_etcdctl_params() {
  read -r -a ETCDCTL <<<"$(param etcdctl)"
  local ca cert key
  ca=$(optional_param caFile) cert=$(optional_param certFile) key=$(optional_param keyFile)
  TLS_ARGS=()
  if [ -n "$ca" ]; then TLS_ARGS=(--cacert "$ca" --cert "$cert" --key "$key"); fi
  # etcd 3.5 moved the offline snapshot tools to etcdutl and 3.6 removed them from etcdctl.
  OFFLINE_TOOL=("${ETCDCTL[@]}")
  if command -v etcdutl >/dev/null 2>&1; then OFFLINE_TOOL=(etcdutl); fi
}

etcdctl_cmd() { ETCDCTL_API=3 "${ETCDCTL[@]}" "${TLS_ARGS[@]}" "$@"; }

# wait_for_health WHAT: every endpoint in ENDPOINTS healthy, or fail after HEALTH_TIMEOUT seconds.
wait_for_health() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) health
  while :; do
    health=$(etcdctl_cmd --endpoints="$ENDPOINTS" endpoint health -w json 2>/dev/null || true)
    if [[ "$health" == \[* ]] && ! grep -q '"health":false' <<<"$health"; then return 0; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "etcd is not healthy ${HEALTH_TIMEOUT}s after $1: ${health:-no answer}"
    sleep 2
  done
}
