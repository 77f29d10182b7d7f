# files engine: one tar of the configured paths per host (owners, modes, ACLs, xattrs, SELinux
# labels, sparse files), a sha256 listing of every file read from the archive itself, and the
# package list; streamed through zstd to S3, manifest last. Runs after common.sh.

load_files_params() {
  IFS=',' read -r -a PATHS <<<"$(param paths)"
  IFS=',' read -r -a REQUIRED_PATHS <<<"$(optional_param requiredPaths)"
  PACKAGE_LIST=$(param packageList)
  SET_NAME=$(optional_param setName)
  WORK_PARENT=$(param workDir)
  if [ -n "$SET_NAME" ]; then OUTPUT_PREFIX="$OUTPUT_PREFIX/$SET_NAME"; fi
}

is_required() {
  local path
  for path in ${REQUIRED_PATHS[@]+"${REQUIRED_PATHS[@]}"}; do [ "$path" = "$1" ] && return 0; done
  return 1
}

# Paths that are absent are recorded; only a required one stops the run.
check_paths() {
  step paths
  local path present
  PATHS_JSON=''
  MEMBERS="$CRONSNAP_WORK/members"
  : >"$MEMBERS"
  for path in "${PATHS[@]}"; do
    present=false
    if [ -e "$path" ] || [ -L "$path" ]; then
      present=true
      # Members are relative to / so the archive extracts under any restore root.
      printf '%s\0' "${path#/}" >>"$MEMBERS"
    elif is_required "$path"; then
      fail "required path $path does not exist on $HOST"
    else
      log "missing path=$path"
    fi
    PATHS_JSON+="${PATHS_JSON:+, }{\"path\": $(json_str "$path"), \"required\": $(is_required "$path" && echo true || echo false), \"present\": $present}"
  done
}

upload_package_list() {
  PACKAGES_JSON='{"manager": "none"}'
  [ "$PACKAGE_LIST" = true ] || return 0
  step packages
  local manager list="$CRONSNAP_WORK/packages.txt"
  if command -v rpm >/dev/null 2>&1 && rpm -qa >/dev/null 2>&1 && [ -n "$(rpm -qa | head -n 1)" ]; then
    manager=rpm
    rpm -qa | LC_ALL=C sort >"$list"
  elif command -v dpkg-query >/dev/null 2>&1; then
    manager=dpkg
    dpkg-query -W -f='${binary:Package}\t${Version}\n' | LC_ALL=C sort >"$list"
  else
    log "no rpm or dpkg-query on this host: no package list"
    return 0
  fi
  PAYLOAD_KEY="$OUTPUT_PREFIX/packages.txt.zst"
  expect_payload "$(stat -c %s "$list")"
  upload_compressed "$list" "$PAYLOAD_KEY" "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID"
  PACKAGES_JSON="{\"manager\": \"$manager\", \"count\": $(wc -l <"$list" | tr -d ' '), \"payload\": $(payload_json)}"
}

# The listing is taken from the archive stream (tar --to-command runs once per regular file), so
# every sha256 in the manifest describes exactly the bytes a restore will write.
write_lister() {
  LISTER="$CRONSNAP_WORK/lister"
  {
    # The bash running this program, not whichever /bin/bash the host has.
    echo "#!$BASH"
    echo 'set -euo pipefail'
    declare -f json_str sha256_stdin
    cat <<'LISTER'
printf '{"path": %s, "size": %s, "mode": "%s", "uid": %s, "gid": %s, "mtime": %s, "sha256": "%s"}\n' \
  "$(json_str "/$TAR_FILENAME")" "$TAR_SIZE" "$TAR_MODE" "$TAR_UID" "$TAR_GID" "${TAR_MTIME%%.*}" "$(sha256_stdin)"
LISTER
  } >"$LISTER"
  chmod 700 "$LISTER"
}

list_archive() { tar -x -f - --to-command="$LISTER"; }

# archive_stream: the archive of MEMBERS on stdout, fed to the listing tap on the way.
archive_stream() {
  tar -C / -c -f - "${TAR_METADATA_FLAGS[@]}" "${NAMES_FROM[@]}" | tee "$CRONSNAP_WORK/listing.fifo"
}

archive_and_upload() {
  step archive
  write_lister
  PAYLOAD_KEY="$OUTPUT_PREFIX/files.tar.zst"
  # The listed paths as they are on disk; tar adds a 512-byte header per file, which the margin covers.
  expect_payload "$(cd / && du -sbc --files0-from="$MEMBERS" 2>/dev/null | tail -n 1 | cut -f1)"
  tap listing list_archive
  names_from "$MEMBERS"
  upload_output "$PAYLOAD_KEY" "cronsnap-job=$JOB,cronsnap-run-id=$RUN_ID" "$CRONSNAP_WORK/tar.err" archive_stream \
    || fail "cannot archive on $HOST: $(grep -v 'Exiting with failure' "$CRONSNAP_WORK/tar.err" | head -n 1 | sed 's/^tar: //')"
  wait_taps
  ARCHIVE_PAYLOAD_JSON=$(payload_json)
  FILE_COUNT=$(wc -l <"$CRONSNAP_WORK/listing.out" | tr -d ' ')
}

write_manifest() {
  step manifest
  local manifest="$CRONSNAP_WORK/manifest.json"
  cat >"$manifest" <<JSON
{
  $(manifest_header files),
  "payload": $ARCHIVE_PAYLOAD_JSON,
  "tools": {
    "tar": $(json_str "$(tar --version | head -n 1)"),
    "zstd": $(json_str "$(zstd_version)")
  },
  "files": {
    "setName": $(json_str "$SET_NAME"),
    "paths": [$PATHS_JSON],
    "fileCount": $FILE_COUNT,
    "packages": $PACKAGES_JSON,
    "listing": [
$(paste -sd, "$CRONSNAP_WORK/listing.out")
    ]
  }
}
JSON
  put_manifest "$manifest"
  log "manifest=s3://$BUCKET/$OUTPUT_PREFIX/manifest.json files=$FILE_COUNT sha256=$PAYLOAD_SHA256"
}

main() {
  step preflight
  load_common_params
  load_files_params
  require_commands tar zstd aws flock
  acquire_job_lock "$JOB" "$SET_NAME"
  make_work_dir "$WORK_PARENT"
  check_paths
  upload_package_list
  archive_and_upload
  write_manifest
  step finished
}

main
