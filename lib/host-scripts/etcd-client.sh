# etcdctl functions shared by the etcd backup and restore. Runs after common.sh and etcd-container.sh.

# The configured etcdctl (on the host, or the command inside the container) and its TLS flags
# (the container's paths when there is one). OFFLINE_TOOL reads and restores snapshot files on the
# host: etcdutl (etcd 3.5 moved the offline tools there, 3.6 removed them from etcdctl), else the
# host's etcdctl; empty when only the container has one.
load_etcdctl_params() {
  read -r -a ETCDCTL <<<"$(param etcdctl)"
  TLS_CA=$(optional_param caFile) TLS_CERT=$(optional_param certFile) TLS_KEY=$(optional_param keyFile)
  TLS_ARGS=()
  if [ -n "$TLS_CA" ]; then TLS_ARGS=(--cacert "$TLS_CA" --cert "$TLS_CERT" --key "$TLS_KEY"); fi
  load_container_params
  OFFLINE_TOOL=()
  if command -v etcdutl >/dev/null 2>&1; then
    OFFLINE_TOOL=(etcdutl)
  elif ! in_container; then
    OFFLINE_TOOL=("${ETCDCTL[@]}")
  elif command -v etcdctl >/dev/null 2>&1; then
    OFFLINE_TOOL=(etcdctl)
  fi
}

# etcdctl_program: the program on the host that etcdctl calls start: etcdctl, or the container runtime's CLI.
etcdctl_program() { if in_container; then echo "$CONTAINER_RUNTIME"; else echo "${ETCDCTL[0]}"; fi; }

# etcdctl_words: ETCDCTL_WORDS, the etcdctl to run now: the host's, or inside the running
# container (looked up again, as a restart gives it a new id); returns 1 when none runs.
etcdctl_words() {
  if ! in_container; then
    ETCDCTL_WORDS=("${ETCDCTL[@]}")
    return 0
  fi
  resolve_container || { printf '%s\n' "$CONTAINER_PROBLEM" >&2; return 1; }
  ETCDCTL_WORDS=("${CONTAINER_EXEC[@]}" "${ETCDCTL[@]}")
}

# require_etcdctl: the configured etcdctl is 3.2 or later and speaks the v3 API, the oldest the
# host programs support (seed 002's OpenShift 3.11 runs 3.2.28). Sets ETCDCTL_VERSION, which the
# manifest records.
require_etcdctl() {
  local before=$CRONSNAP_STEP
  CRONSNAP_STEP=requirements
  etcdctl_words || fail "$CONTAINER_PROBLEM"
  ETCDCTL_VERSION=$(ETCDCTL_API=3 "${ETCDCTL_WORDS[@]}" version 2>/dev/null | sed -n 's/^etcdctl version: //p') || true
  case $ETCDCTL_VERSION in
    3.[2-9]* | 3.[1-9][0-9]* | [4-9].*) ;;
    *) fail "etcdctl ${ETCDCTL_VERSION:-(${ETCDCTL_WORDS[*]}: no v3 version answer)} is older than 3.2 with the v3 API, the oldest cronsnap runs with: install etcd 3.2 or later, or set the job's etcd.etcdctl" ;;
  esac
  CRONSNAP_STEP=$before
}

etcdctl_cmd() {
  etcdctl_words || return 1
  ETCDCTL_API=3 "${ETCDCTL_WORDS[@]}" ${TLS_ARGS[@]+"${TLS_ARGS[@]}"} "$@"
}

# snapshot_status FILE: `snapshot status -w json` of a snapshot file on the host, read by
# OFFLINE_TOOL, or else by the container's etcdctl through the shared dir.
snapshot_status() {
  if [ ${#OFFLINE_TOOL[@]} -gt 0 ]; then
    ETCDCTL_API=3 "${OFFLINE_TOOL[@]}" snapshot status "$1" -w json
    return
  fi
  local inside
  inside=$(container_path "$1")
  etcdctl_words || return 1
  ETCDCTL_API=3 "${ETCDCTL_WORDS[@]}" snapshot status "$inside" -w json
}

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
    health=''
    # In this shell, not the command substitution's: a container found once is not looked up again.
    if etcdctl_words 2>/dev/null; then health=$(etcdctl_cmd --endpoints="$ENDPOINTS" endpoint health -w json 2>/dev/null || true); fi
    if [[ "$health" == \[* ]] && ! grep -q '"health":false' <<<"$health"; then return 0; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "etcd is not healthy ${HEALTH_TIMEOUT}s after $1: ${health:-${CONTAINER_PROBLEM:-no answer}}"
    sleep 2
  done
}
