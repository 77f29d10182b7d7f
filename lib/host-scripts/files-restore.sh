# files restore: downloads a file-set archive, checks its sha256 against the manifest before
# touching anything, unpacks it into a private staging dir and compares it with what is on disk.
# A dry run only reports; `apply` moves every entry it replaces to `<path>.old-<stamp>` (nothing is
# ever deleted), extracts the backed-up entries with owners, modes, ACLs, xattrs and labels, runs
# restorecon where SELinux is on, and checks the result. Runs after common.sh.

load_restore_params() {
  load_restore_common_params
  PAYLOAD_KEY=$(param payloadKey)
  PAYLOAD_SHA256=$(param payloadSha256)
  PAYLOAD_SIZE=$(param payloadSize)
  RAW_SIZE=$(param rawSize)
  IFS=',' read -r -a PATHS <<<"$(param paths)"
  SET_NAME=$(optional_param setName)
  RESTORE_ROOT=$(param restoreRoot)
  MODE=$(param mode)
  STAMP=$(param stamp)
  WORK_PARENT=$(param workDir)
}

live_path() {
  if [ "$RESTORE_ROOT" = / ]; then printf '/%s' "$1"; else printf '%s/%s' "$RESTORE_ROOT" "$1"; fi
}

kind_of() {
  if [ -L "$1" ]; then echo symlink; elif [ -d "$1" ]; then echo directory; elif [ -f "$1" ]; then echo file; else echo special; fi
}

# All xattrs (ACLs are system.posix_acl_*) but the SELinux label, which restorecon owns.
xattrs_of() {
  command -v getfattr >/dev/null 2>&1 || return 0
  getfattr -h -d -m - -e hex --absolute-names -- "$1" 2>/dev/null | grep -v -e '^# file: ' -e '^security\.selinux=' || true
}

download_and_verify() {
  step free-space
  # The archive and its unpacked copy both live in the work dir until the run ends.
  require_free_space "$WORK_PARENT" $(( PAYLOAD_SIZE + RAW_SIZE + 1048576 ))
  make_work_dir "$WORK_PARENT"
  step download
  ARCHIVE="$CRONSNAP_WORK/files.tar.zst"
  download_verified "$PAYLOAD_KEY" "$PAYLOAD_SHA256" "$ARCHIVE"
  log "verified sha256=$PAYLOAD_SHA256"
}

unpack_to_stage() {
  step stage
  STAGE="$CRONSNAP_WORK/stage"
  mkdir "$STAGE"
  zstd -dc "$ARCHIVE" 2>"$CRONSNAP_WORK/zstd.err" | tar -x -f - -C "$STAGE" "${TAR_METADATA_FLAGS[@]}" --same-permissions 2>"$CRONSNAP_WORK/tar.err" \
    || fail "cannot unpack $PAYLOAD_KEY: $(cat "$CRONSNAP_WORK/zstd.err" "$CRONSNAP_WORK/tar.err" | tail -n 1)"
}

# compare REL: sets DIFFERENCES to what differs between the staged entry and the live one
# (empty when they are the same), or to "missing".
compare() {
  local staged="$STAGE/$1" live
  live=$(live_path "$1")
  DIFFERENCES=()
  if ! exists "$live"; then DIFFERENCES=(missing); return; fi
  local kind
  kind=$(kind_of "$staged")
  if [ "$kind" != "$(kind_of "$live")" ]; then DIFFERENCES=(type); return; fi
  case $kind in
    file) cmp -s -- "$staged" "$live" || DIFFERENCES+=(content) ;;
    symlink) [ "$(readlink -- "$staged")" = "$(readlink -- "$live")" ] || DIFFERENCES+=(target) ;;
  esac
  if [ "$kind" != symlink ] && [ "$(stat -c %a -- "$staged")" != "$(stat -c %a -- "$live")" ]; then DIFFERENCES+=(mode); fi
  [ "$(stat -c %u:%g -- "$staged")" = "$(stat -c %u:%g -- "$live")" ] || DIFFERENCES+=(owner)
  [ "$(xattrs_of "$staged")" = "$(xattrs_of "$live")" ] || DIFFERENCES+=(xattrs)
}

json_array() {
  local out='' item
  for item in "$@"; do out+="${out:+,}\"$item\""; done
  printf '[%s]' "$out"
}

# Walks the staged paths (parents before children) and plans every entry to restore; entries on
# disk that the backup does not have are reported as added and left alone.
plan() {
  step plan
  PLAN="$CRONSNAP_WORK/plan"
  REPLACE="$CRONSNAP_WORK/replace"
  : >"$PLAN"
  : >"$REPLACE"
  MISSING=0 CHANGED=0 UNCHANGED=0 ADDED=0
  local path rel live
  for path in "${PATHS[@]}"; do
    rel=${path#/}
    exists "$STAGE/$rel" || fail "$path is not in the archive"
    while IFS= read -r -d '' rel; do
      rel=${rel#"$STAGE"/}
      live=$(live_path "$rel")
      compare "$rel"
      if [ ${#DIFFERENCES[@]} -eq 0 ]; then
        UNCHANGED=$((UNCHANGED + 1))
        continue
      fi
      printf '%s\0' "$rel" >>"$PLAN"
      if [ "${DIFFERENCES[0]}" = missing ]; then
        MISSING=$((MISSING + 1))
        report change "{\"change\": \"missing\", \"path\": $(json_str "$live"), \"what\": []}"
        continue
      fi
      CHANGED=$((CHANGED + 1))
      report change "{\"change\": \"changed\", \"path\": $(json_str "$live"), \"what\": $(json_array "${DIFFERENCES[@]}")}"
      # A directory keeps its contents and only has its metadata set again; anything else is replaced.
      if [ "$(kind_of "$live")" != directory ] || [ "${DIFFERENCES[0]}" = type ]; then
        exists "$live.old-$STAMP" && fail "$live.old-$STAMP already exists; nothing was changed"
        printf '%s\0' "$live" >>"$REPLACE"
      fi
    done < <(find "$STAGE/$rel" -print0)
    live=$(live_path "${path#/}")
    if [ -d "$live" ] && [ ! -L "$live" ] && [ -d "$STAGE/${path#/}" ]; then
      while IFS= read -r -d '' live; do
        rel=${live#"$(live_path '')"}
        exists "$STAGE/$rel" && continue
        ADDED=$((ADDED + 1))
        report change "{\"change\": \"added\", \"path\": $(json_str "$live"), \"what\": []}"
      done < <(find "$live" -mindepth 1 -print0)
    fi
  done
}

apply_plan() {
  step apply
  # GNU tar given an empty -T list extracts every member: with nothing planned, touch nothing.
  [ -s "$PLAN" ] || return 0
  local live
  while IFS= read -r -d '' live; do
    mv -- "$live" "$live.old-$STAMP"
    report saved "{\"path\": $(json_str "$live"), \"savedAs\": $(json_str "$live.old-$STAMP")}"
  done <"$REPLACE"
  mkdir -p -- "$RESTORE_ROOT"
  names_from "$PLAN"
  zstd -dc "$ARCHIVE" | tar -x -f - -C "$RESTORE_ROOT" "${TAR_METADATA_FLAGS[@]}" --same-permissions \
    --no-recursion --no-wildcards "${NAMES_FROM[@]}" 2>"$CRONSNAP_WORK/extract.err" \
    || fail "extracting into $RESTORE_ROOT failed: $(tail -n 1 "$CRONSNAP_WORK/extract.err"); replaced entries are kept as *.old-$STAMP"
  local rel
  while IFS= read -r -d '' rel; do
    live=$(live_path "$rel")
    if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then restorecon -F -- "$live"; fi
    report restored "{\"path\": $(json_str "$live")}"
  done <"$PLAN"
}

verify_applied() {
  step check
  local rel
  while IFS= read -r -d '' rel; do
    compare "$rel"
    [ ${#DIFFERENCES[@]} -eq 0 ] || fail "$(live_path "$rel") still differs after the restore (${DIFFERENCES[*]})"
  done <"$PLAN"
}

main() {
  step preflight
  load_restore_params
  require_commands tar zstd aws flock cmp find stat
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB" "$SET_NAME"
  download_and_verify
  unpack_to_stage
  plan
  local restored=0
  if [ "$MODE" = apply ]; then
    apply_plan
    verify_applied
    restored=$((MISSING + CHANGED))
  fi
  report summary "{\"mode\": \"$MODE\", \"missing\": $MISSING, \"changed\": $CHANGED, \"added\": $ADDED, \"unchanged\": $UNCHANGED, \"restored\": $restored}"
  step finished
}

main
