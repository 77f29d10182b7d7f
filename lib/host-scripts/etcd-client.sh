# etcdctl functions shared by the etcd backup and restore. Runs after common.sh.

# The configured etcdctl (a binary, or e.g. `crictl exec -i <id> etcdctl`) and its TLS flags.
load_etcdctl_params() {
  read -r -a ETCDCTL <<<"$(param etcdctl)"
  TLS_CA=$(optional_param caFile) TLS_CERT=$(optional_param certFile) TLS_KEY=$(optional_param keyFile)
  TLS_ARGS=()
  if [ -n "$TLS_CA" ]; then TLS_ARGS=(--cacert "$TLS_CA" --cert "$TLS_CERT" --key "$TLS_KEY"); fi
  # etcd 3.5 moved the offline snapshot tools to etcdutl and 3.6 removed them from etcdctl.
  OFFLINE_TOOL=("${ETCDCTL[@]}")
  if command -v etcdutl >/dev/null 2>&1; then OFFLINE_TOOL=(etcdutl); fi
}

# require_etcdctl: the configured etcdctl is 3.2 or later and speaks the v3 API, the oldest the
# host programs support (seed 002's OpenShift 3.11 runs 3.2.28). Sets ETCDCTL_VERSION, which the
# manifest records.
require_etcdctl() {
  local before=$CRONSNAP_STEP
  CRONSNAP_STEP=requirements
  ETCDCTL_VERSION=$(ETCDCTL_API=3 "${ETCDCTL[@]}" version 2>/dev/null | sed -n 's/^etcdctl version: //p') || true
  case $ETCDCTL_VERSION in
    3.[2-9]* | 3.[1-9][0-9]* | [4-9].*) ;;
    *) fail "etcdctl ${ETCDCTL_VERSION:-(${ETCDCTL[*]}: no v3 version answer)} is older than 3.2 with the v3 API, the oldest cronsnap runs with: install etcd 3.2 or later, or set the job's etcd.etcdctl" ;;
  esac
  CRONSNAP_STEP=$before
}

etcdctl_cmd() { ETCDCTL_API=3 "${ETCDCTL[@]}" ${TLS_ARGS[@]+"${TLS_ARGS[@]}"} "$@"; }

# tls_diagnosis ENDPOINT: etcdctl 3.4 reports a refused certificate only as a timeout; a TLS
# handshake with the same files names the cause (unknown CA, expiry, hostname).
tls_diagnosis() {
  local endpoint=$1 hostport verdict
  [[ "$endpoint" == https://* ]] || return 0
  hostport=${endpoint#https://}
  local args=(-connect "$hostport" -verify_return_error)
  if [ -n "$TLS_CA" ]; then args+=(-CAfile "$TLS_CA" -cert "$TLS_CERT" -key "$TLS_KEY"); fi
  verdict=$(timeout 10 openssl s_client "${args[@]}" </dev/null 2>&1 | grep -m 1 -iE 'verify error|alert|certificate' || true)
  if [ -n "$verdict" ]; then printf ' (TLS to %s: %s)' "$hostport" "$verdict"; fi
}

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
