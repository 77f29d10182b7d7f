# What every backup program shares: the run's parameters, the compressed uploads and the manifest,
# which goes last. Runs after common.sh.

# Parameters every engine shares.
load_common_params() {
  JOB=$(param job)
  RUN_ID=$(param runId)
  BUCKET=$(param bucket)
  KMS_KEY_ID=$(param kmsKeyId)
  HOST=$(host_id)
  RUN_PREFIX=$(param runPrefix)
  # This host's folder of the run; a linked set (setName) lives in a sub-folder of it.
  OUTPUT_PREFIX="$RUN_PREFIX/$HOST"
  STARTED_AT=$(now_iso)
  MAX_PAYLOAD_BYTES=$(optional_param maxPayloadBytes)
  MAX_UPLOAD_MBPS=$(optional_param maxUploadMBps)
  EXPECTED_SIZE=''
  apply_priorities
}

# apply_priorities: this program at the job's CPU and I/O priority, and so everything it starts
# after (dump, tar, zstd, the hashes, the aws CLI), which inherit both.
apply_priorities() {
  local nice io_class io_priority
  nice=$(optional_param nice)
  io_class=$(optional_param ioClass)
  io_priority=$(optional_param ioPriority)
  if [ -n "$nice" ]; then
    # Without -n, renice sets the niceness itself on every util-linux (-n is relative under POSIXLY_CORRECT).
    if ! command -v renice >/dev/null 2>&1; then
      log "renice is not installed: the job's nice $nice is not applied"
    elif ! renice "$nice" -p $$ >/dev/null; then
      log "renice $nice failed: the backup runs at its inherited priority"
    fi
  fi
  [ -n "$io_class" ] || return 0
  local args=(-c 3)
  if [ "$io_class" = best-effort ]; then args=(-c 2 ${io_priority:+-n "$io_priority"}); fi
  if ! command -v ionice >/dev/null 2>&1; then
    log "ionice is not installed: the job's I/O class $io_class is not applied"
  elif ! ionice "${args[@]}" -p $$; then
    log "ionice ${args[*]} failed: the backup runs at its inherited I/O priority"
  fi
}

# expect_payload RAW_BYTES: EXPECTED_SIZE for the next upload, since a streamed upload whose size
# the aws CLI does not know is cut in its default parts, and S3 takes at most 10,000 of them
# (about 80 GB). The job's maxPayloadBytes, or RAW_BYTES (what the data takes on the server) and
# half again plus 64 MiB: a dump's text can outgrow the data (hex blobs double), zstd shrinks it,
# and the CLI only needs an upper bound. An empty RAW_BYTES leaves the size unknown.
expect_payload() {
  if [ -n "$MAX_PAYLOAD_BYTES" ]; then
    EXPECTED_SIZE=$MAX_PAYLOAD_BYTES
  elif [ -n "$1" ]; then
    EXPECTED_SIZE=$(($1 + $1 / 2 + 67108864))
  else
    EXPECTED_SIZE=''
    return 0
  fi
  # S3's largest object (5 TiB): parts sized for it hold anything S3 would take.
  if [ "$EXPECTED_SIZE" -gt 5497558138880 ]; then EXPECTED_SIZE=5497558138880; fi
}

# limit_upload_bandwidth: with maxUploadMBps, the aws CLI's s3 max_bandwidth, set by the CLI itself
# in a private copy of its config (the host's own settings kept) that every later call reads.
limit_upload_bandwidth() {
  if [ -z "$MAX_UPLOAD_MBPS" ] || [ -n "${CRONSNAP_AWS_CONFIG:-}" ]; then return 0; fi
  CRONSNAP_AWS_CONFIG="$CRONSNAP_WORK/aws-config"
  local original=${AWS_CONFIG_FILE:-${HOME:-/root}/.aws/config}
  if [ -f "$original" ]; then cp -- "$original" "$CRONSNAP_AWS_CONFIG"; else : >"$CRONSNAP_AWS_CONFIG"; fi
  AWS_CONFIG_FILE=$CRONSNAP_AWS_CONFIG aws configure set s3.max_bandwidth "${MAX_UPLOAD_MBPS}MB/s" --profile "${AWS_PROFILE:-default}" 2>"$CRONSNAP_WORK/configure.err" \
    || fail "cannot set the upload's max_bandwidth: $(tail -n 1 "$CRONSNAP_WORK/configure.err")"
  export AWS_CONFIG_FILE=$CRONSNAP_AWS_CONFIG
}

# manifest_header ENGINE: the fields every manifest opens with.
manifest_header() {
  printf '"formatVersion": 1, "cronsnapVersion": %s, "job": %s, "engine": %s, "runId": %s, "host": %s, "startedAt": %s, "finishedAt": %s' \
    "$(json_str "$CRONSNAP_VERSION")" "$(json_str "$JOB")" "$(json_str "$1")" "$(json_str "$RUN_ID")" "$(json_str "$HOST")" "$(json_str "$STARTED_AT")" "$(json_str "$(now_iso)")"
}

# payload_json: the last upload_compressed as a manifest payload object.
payload_json() {
  printf '{"key": %s, "size": %s, "sha256": %s, "rawSize": %s, "rawSha256": %s, "compression": "zstd", "expectedSize": %s}' \
    "$(json_str "$PAYLOAD_KEY")" "$PAYLOAD_SIZE" "$(json_str "$PAYLOAD_SHA256")" "$RAW_SIZE" "$(json_str "$RAW_SHA256")" "${EXPECTED_SIZE:-null}"
}

zstd_version() { zstd -V | grep -o 'v[0-9.]*' | head -n 1; }

# put_manifest FILE [KEY]: the manifest goes last; its presence is what marks a backup complete.
put_manifest() {
  aws_cli s3 cp "$1" "s3://$BUCKET/${2:-$OUTPUT_PREFIX/manifest.json}" --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --content-type application/json
}

# upload_stream KEY METADATA: streams stdin to s3://$BUCKET/KEY (multipart, parts sized for
# EXPECTED_SIZE), SSE-KMS with the job key.
upload_stream() {
  local key=$1 metadata=$2 sized=()
  if [ -n "$EXPECTED_SIZE" ]; then sized=(--expected-size "$EXPECTED_SIZE"); fi
  aws_cli s3 cp - "s3://$BUCKET/$key" --only-show-errors ${sized[@]+"${sized[@]}"} \
    --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --metadata "$metadata" 2>"$CRONSNAP_WORK/upload.err"
}

byte_count() { wc -c | tr -d ' '; }

# upload_output KEY METADATA ERRORS COMMAND...: COMMAND's output (its stderr to ERRORS) uploaded by
# upload_compressed, which reads it through a fifo in this shell, so the variables it sets stay
# set. Non-zero when COMMAND or the upload failed (the upload's status first, and the CLI's last
# error line then appended to ERRORS).
upload_output() {
  local key=$1 metadata=$2 errors=$3 fifo="$CRONSNAP_WORK/output.fifo" rc=0 produced=0
  shift 3
  mkfifo "$fifo" || fail "cannot make the fifo for $key"
  "$@" 2>"$errors" >"$fifo" &
  CRONSNAP_PRODUCER=$!
  upload_compressed "$fifo" "$key" "$metadata" || rc=$?
  if [ -s "$CRONSNAP_WORK/upload.err" ]; then
    cat "$CRONSNAP_WORK/upload.err" >&2
    # Callers name the last line of ERRORS: when the upload failed, the CLI's own reason.
    if [ "$rc" -ne 0 ]; then tail -n 1 "$CRONSNAP_WORK/upload.err" >>"$errors"; fi
  fi
  # A producer that had not opened the fifo when the upload stopped is let on, into a broken pipe.
  reap_past_fifo "$CRONSNAP_PRODUCER" "$fifo" writer || produced=$?
  rm -f -- "$fifo"
  [ "$rc" -ne 0 ] || rc=$produced
  return "$rc"
}

# upload_compressed SOURCE KEY METADATA: one pass zstd-compresses SOURCE (a file or fifo)
# and streams it to S3 (multipart), hashing and counting what is uploaded. The raw sha256 and size
# are read from that same output decompressed beside the upload, so the raw stream is never copied
# (a tee in front of zstd cost a quarter of a dump's wall time on 2 cores) and what is recorded is
# what a restore will get back. Sets RAW_SHA256, RAW_SIZE, PAYLOAD_SHA256, PAYLOAD_SIZE.
upload_compressed() {
  local source=$1 key=$2 metadata=$3 statuses=(0 0 0)
  limit_upload_bandwidth
  tap payload-sha256 sha256_stdin
  tap payload-size byte_count
  tap raw-sha256 decompressed_sha256
  zstd -q -1 -T0 -c <"$source" \
    | tee "$CRONSNAP_WORK/payload-sha256.fifo" "$CRONSNAP_WORK/payload-size.fifo" "$CRONSNAP_WORK/raw-sha256.fifo" \
    | upload_stream "$key" "$metadata" || statuses=("${PIPESTATUS[@]}")
  # A failed upload of a sound stream is the caller's to report: the taps only saw it cut short,
  # and zstd, if it was still writing, died of SIGPIPE (141). Otherwise a tap that died (cutting
  # tee off) is the reason, and wait_taps names it; so it is when zstd failed of itself, since an
  # upload announced as large is refused when no part comes.
  if [ "${statuses[2]}" -ne 0 ] && { [ "${statuses[0]}" -eq 0 ] || [ "${statuses[0]}" -eq 141 ]; }; then
    wait_taps ignore
    return "${statuses[2]}"
  fi
  wait_taps
  [ "${statuses[0]}" -eq 0 ] && [ "${statuses[1]}" -eq 0 ] && [ "${statuses[2]}" -eq 0 ] || return 1
  PAYLOAD_SHA256=$(tap_value payload-sha256)
  PAYLOAD_SIZE=$(tap_value payload-size)
  RAW_SHA256=$(tap_value raw-sha256)
  # zstd -v ends with "<name> : <bytes> bytes", the one count of the raw stream this pass makes.
  RAW_SIZE=$(sed -n 's/.*: *\([0-9][0-9]*\) bytes *$/\1/p' "$CRONSNAP_WORK/decompressed.log" | tail -n 1)
  [ -n "$RAW_SIZE" ] || fail "zstd did not report the decompressed size of $key: $(tail -n 1 "$CRONSNAP_WORK/decompressed.log")"
}

# decompressed_sha256: the sha256 of what the zstd stream on stdin decompresses to; zstd's report
# (with the size) goes to decompressed.log.
decompressed_sha256() {
  zstd -d -c -v 2>"$CRONSNAP_WORK/decompressed.log" | sha256_stdin
}
