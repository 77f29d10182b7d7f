# etcd in a container (a static pod on kubeadm and OpenShift masters). The container is looked up
# by name on every call, since the kubelet gives it a new id whenever the pod restarts; etcdctl
# runs inside it through the runtime's exec, in the container's own environment (ETCDCTL_API set
# on the host would not reach it); files pass through the one dir the pod shares with the host.
# Runs after common.sh.

load_container_params() {
  CONTAINER_RUNTIME=$(optional_param containerRuntime)
  CONTAINER_NAME=$(optional_param containerName)
  CONTAINER_NAMESPACE=$(optional_param containerNamespace)
  CONTAINER_POD=$(optional_param containerPod)
  SHARED_HOST_DIR=$(optional_param sharedHostDir)
  SHARED_CONTAINER_DIR=$(optional_param sharedContainerDir)
  CONTAINER_ID=''
  CONTAINER_EXEC=()
  CONTAINER_PROBLEM=''
}

in_container() { [ -n "$CONTAINER_RUNTIME" ]; }

container_label() {
  case $CONTAINER_RUNTIME in
    oc) printf 'pod %s-<node> (container %s) in namespace %s' "$CONTAINER_POD" "$CONTAINER_NAME" "$CONTAINER_NAMESPACE" ;;
    *) printf '%s%s' "$CONTAINER_NAME" "${CONTAINER_NAMESPACE:+ in namespace $CONTAINER_NAMESPACE}" ;;
  esac
}

# container_ids: the running containers that match, one id a line (for oc: the pod names).
# docker's and podman's default table is read rather than a --format template, whose braces an
# SSM agent before 3.3.2746.0 would take for a parameter reference.
container_ids() {
  local args
  case $CONTAINER_RUNTIME in
    crictl)
      args=(ps -q --state running --name "^${CONTAINER_NAME}\$")
      if [ -n "$CONTAINER_NAMESPACE" ]; then args+=(--label "io.kubernetes.pod.namespace=$CONTAINER_NAMESPACE"); fi
      crictl "${args[@]}"
      ;;
    docker | podman)
      if [ -n "$CONTAINER_NAMESPACE" ]; then
        # Containers the kubelet runs through docker are named k8s_<container>_<pod>_..._<attempt>; its labels are stable.
        "$CONTAINER_RUNTIME" ps -q --no-trunc --filter status=running \
          --filter "label=io.kubernetes.container.name=$CONTAINER_NAME" --filter "label=io.kubernetes.pod.namespace=$CONTAINER_NAMESPACE"
      else
        "$CONTAINER_RUNTIME" ps --no-trunc --filter status=running | awk -v name="$CONTAINER_NAME" 'NR > 1 && $NF == name {print $1}'
      fi
      ;;
    oc)
      local short full
      short=$(hostname -s 2>/dev/null || hostname)
      full=$(hostname -f 2>/dev/null || hostname)
      # NAME READY STATUS RESTARTS AGE IP NODE ...: a static pod is <name>-<node>; only this node's is ours.
      oc get pods -n "$CONTAINER_NAMESPACE" -o wide --no-headers \
        | awk -v prefix="$CONTAINER_POD-" -v short="$short" -v full="$full" \
          'index($1, prefix) == 1 && $3 == "Running" && ($7 == short || $7 == full) {print $1}'
      ;;
  esac
}

# resolve_container: CONTAINER_ID and CONTAINER_EXEC (what etcdctl runs after) for the one running
# container; else returns 1 with CONTAINER_PROBLEM saying why. etcdctl 3.2 and 3.3 speak the v2
# API unless told, so inside such a container it runs under `env ETCDCTL_API=3`.
resolve_container() {
  local ids count api
  if ! ids=$(container_ids 2>&1); then
    CONTAINER_PROBLEM="$CONTAINER_RUNTIME cannot list containers on $HOST: $(tail -n 1 <<<"$ids")"
    return 1
  fi
  count=$(grep -c . <<<"$ids" || true)
  if [ "$count" -eq 0 ]; then
    CONTAINER_PROBLEM="no running container $(container_label) on $HOST ($CONTAINER_RUNTIME)"
    CONTAINER_ID='' CONTAINER_EXEC=()
    return 1
  fi
  if [ "$count" -gt 1 ]; then
    CONTAINER_PROBLEM="$count running containers match $(container_label) on $HOST: $(tr '\n' ' ' <<<"$ids")"
    return 1
  fi
  [ "$ids" != "$CONTAINER_ID" ] || return 0
  CONTAINER_ID=$ids
  case $CONTAINER_RUNTIME in
    oc) CONTAINER_EXEC=(oc exec "$CONTAINER_ID" -n "$CONTAINER_NAMESPACE" -c "$CONTAINER_NAME" --) ;;
    *) CONTAINER_EXEC=("$CONTAINER_RUNTIME" exec "$CONTAINER_ID") ;;
  esac
  # v2 etcdctl answers --version; v3's (the default from 3.4) refuses the flag.
  api=$("${CONTAINER_EXEC[@]}" "${ETCDCTL[@]}" --version 2>&1 | sed -n 's/^API version: //p') || true
  if [ "${api%%.*}" = 2 ]; then CONTAINER_EXEC+=(env ETCDCTL_API=3); fi
}

# container_path HOST_PATH: the same file as the container sees it, through the shared dir.
container_path() {
  case $1 in
    "$SHARED_HOST_DIR"/*) printf '%s%s' "$SHARED_CONTAINER_DIR" "${1#"$SHARED_HOST_DIR"}" ;;
    *) fail "$1 is outside the dir the container shares with the host ($SHARED_HOST_DIR)" ;;
  esac
}
