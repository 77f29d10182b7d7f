# How a member is stopped and started: the configured commands (systemd and the like), or for a
# static pod its manifest moved to <manifests dir>-stopped/ and back (as OpenShift's own restore
# procedure holds them in pods-stopped), waiting each time until the kubelet has removed or
# started the container. Runs after common.sh and etcd-container.sh.

load_service_params() {
  read -r -a STOP_COMMAND <<<"$(optional_param stopCommand)"
  read -r -a START_COMMAND <<<"$(optional_param startCommand)"
  STATIC_POD_MANIFEST=$(optional_param staticPodManifest)
  HEALTH_TIMEOUT=$(param healthTimeoutSeconds)
  HELD_MANIFEST=''
  if [ -n "$STATIC_POD_MANIFEST" ]; then
    HELD_MANIFEST="$(dirname "$STATIC_POD_MANIFEST")-stopped/$(basename "$STATIC_POD_MANIFEST")"
    in_container || fail "a static pod member needs the container parameters, to see the kubelet stop and start it"
  fi
}

# service_words stop|start: what stopping or starting does, for messages.
service_words() {
  if [ -z "$STATIC_POD_MANIFEST" ]; then
    if [ "$1" = stop ]; then printf "'%s'" "${STOP_COMMAND[*]}"; else printf "'%s'" "${START_COMMAND[*]}"; fi
  elif [ "$1" = stop ]; then
    printf 'moving %s to %s' "$STATIC_POD_MANIFEST" "$HELD_MANIFEST"
  else
    printf 'moving %s back to %s' "$HELD_MANIFEST" "$STATIC_POD_MANIFEST"
  fi
}

# wait_for_container running|gone LOG: until the kubelet has done it, or HEALTH_TIMEOUT seconds
# (the kubelet looks at its manifests dir every 20 s by default).
wait_for_container() {
  local want=$1 log=$2 deadline=$((SECONDS + HEALTH_TIMEOUT))
  while :; do
    if resolve_container; then
      [ "$want" = gone ] || return 0
    elif [ "$want" = gone ] && [[ "$CONTAINER_PROBLEM" == "no running container"* ]]; then
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      if [ "$want" = gone ]; then
        echo "the kubelet has not removed container $CONTAINER_ID within ${HEALTH_TIMEOUT}s" >>"$log"
      else
        echo "the kubelet has not started the container within ${HEALTH_TIMEOUT}s: $CONTAINER_PROBLEM" >>"$log"
      fi
      return 1
    fi
    sleep 1
  done
}

# move_manifest FROM TO running|gone LOG: the static pod's manifest moved from FROM to TO (nothing
# to move when only TO is there), then the kubelet awaited; on failure the last line of LOG says why.
move_manifest() {
  local from=$1 to=$2 want=$3 log=$4
  if [ -f "$from" ]; then
    if exists "$to"; then
      echo "both $from and $to exist: which one the member should run with is for an operator to decide" >>"$log"
      return 1
    fi
    mkdir -p -- "$(dirname "$to")"
    mv -- "$from" "$to"
    report manifest "{\"host\": $(json_str "$HOST"), \"from\": $(json_str "$from"), \"to\": $(json_str "$to")}"
  elif [ ! -f "$to" ]; then
    echo "no static pod manifest at $from, nor at $to" >>"$log"
    return 1
  fi
  wait_for_container "$want" "$log"
}

# stop_service LOG: stops the member; on failure the last line of LOG says why.
stop_service() {
  if [ -z "$STATIC_POD_MANIFEST" ]; then
    service_command "$1" "${STOP_COMMAND[@]}"
  else
    move_manifest "$STATIC_POD_MANIFEST" "$HELD_MANIFEST" gone "$1"
  fi
}

# join_existing MANIFEST: the member joins a running cluster with an empty data dir, which etcd
# does only with --initial-cluster-state=existing: set in the pod's command (kubeadm writes it so
# for every member but the first; etcd ignores it once the data dir exists). The manifest as it
# was is kept beside it in the held dir.
join_existing() {
  local manifest=$1
  grep -q -- '--initial-cluster-state=existing' "$manifest" && return 0
  cp -p -- "$manifest" "$manifest.before-$STAMP"
  if grep -q -- '--initial-cluster-state=new' "$manifest"; then
    sed -i 's/--initial-cluster-state=new/--initial-cluster-state=existing/' "$manifest"
  elif grep -q -- '- --name=' "$manifest"; then
    sed -i '/- --name=/{p;s/--name=.*/--initial-cluster-state=existing/;}' "$manifest"
  else
    fail "$manifest passes etcd no --name= argument to add --initial-cluster-state=existing after (OpenShift 3.11 reads it from /etc/etcd/etcd.conf): set ETCD_INITIAL_CLUSTER_STATE=existing there and start the member by moving $manifest back"
  fi
  report manifestEdited "{\"host\": $(json_str "$HOST"), \"manifest\": $(json_str "$manifest"), \"before\": $(json_str "$manifest.before-$STAMP"), \"set\": \"--initial-cluster-state=existing\"}"
}

# start_service LOG: starts the member (with JOIN_EXISTING=true, to join a running cluster); on
# failure the last line of LOG says why.
start_service() {
  if [ -z "$STATIC_POD_MANIFEST" ]; then
    if [ "${JOIN_EXISTING:-}" = true ]; then export ETCD_INITIAL_CLUSTER_STATE=existing; fi
    service_command "$1" "${START_COMMAND[@]}"
    return
  fi
  if [ "${JOIN_EXISTING:-}" = true ] && [ -f "$HELD_MANIFEST" ]; then join_existing "$HELD_MANIFEST"; fi
  move_manifest "$HELD_MANIFEST" "$STATIC_POD_MANIFEST" running "$1"
}

# static_pod_host_dir DIR: where on the host the dir DIR of the etcd container is: the hostPath
# volume mounted at DIR or above it in the member's manifest (wherever it is held now). Reads the
# block-style YAML kubeadm and OpenShift write: volumeMounts' mountPath and name, volumes' name and
# hostPath.path, in any key order.
static_pod_host_dir() {
  local manifest=$STATIC_POD_MANIFEST found
  [ -f "$manifest" ] || manifest=$HELD_MANIFEST
  [ -f "$manifest" ] || fail "no static pod manifest at $STATIC_POD_MANIFEST, nor held at $HELD_MANIFEST"
  found=$(awk -v target="${1%/}" '
    function unquote(v) { gsub(/^["'\'']|["'\'']$/, "", v); return v }
    function trim(p) { while (length(p) > 1 && substr(p, length(p)) == "/") p = substr(p, 1, length(p) - 1); return p }
    function flush() {
      if (section == "mounts" && name != "" && path != "") mounts[name] = trim(path)
      if (section == "volumes" && name != "" && path != "") hosts[name] = trim(path)
      name = ""; path = ""; inhost = 0
    }
    {
      sub(/[ \t]+#.*$/, "")
      if ($0 ~ /^[ \t]*(#.*)?$/) next
      match($0, /^ */); indent = RLENGTH; line = substr($0, indent + 1); item = 0
      if (line ~ /^- /) { item = 1; line = substr(line, 3) }
      key = line; sub(/:.*/, "", key)
      value = ""; if (index(line, ":")) { value = line; sub(/^[^:]*:[ \t]*/, "", value) }
      value = unquote(value)
      keyindent = item ? indent + 2 : indent
      if (section != "" && ((!item && indent <= sectionindent) || (item && indent < sectionindent))) { flush(); section = "" }
      if (!item && value == "" && (key == "volumeMounts" || key == "volumes")) {
        section = key == "volumes" ? "volumes" : "mounts"; sectionindent = indent; listindent = -1; next
      }
      if (section == "") next
      if (item && listindent == -1) listindent = indent
      if (item && indent == listindent) flush()
      if (keyindent == listindent + 2) {
        inhost = 0
        if (key == "name") name = value
        else if (key == "mountPath") path = value
        else if (key == "hostPath") inhost = 1
      } else if (inhost && key == "path") path = value
    }
    END {
      flush(); best = ""
      for (n in mounts) {
        m = mounts[n]
        if ((target == m || index(target, m "/") == 1 || m == "/") && length(m) > length(best) && (n in hosts)) { best = m; bestname = n }
      }
      if (best == "") exit 1
      print hosts[bestname] (best == "/" ? target : substr(target, length(best) + 1))
    }' "$manifest") || fail "no hostPath volume of $manifest is mounted at $1 or above it: where the member keeps its data on the host is unknown"
  printf '%s' "$found"
}
