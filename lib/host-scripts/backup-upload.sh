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
}

# manifest_header ENGINE: the fields every manifest opens with.
manifest_header() {
  printf '"formatVersion": 1, "job": %s, "engine": %s, "runId": %s, "host": %s, "startedAt": %s, "finishedAt": %s' \
    "$(json_str "$JOB")" "$(json_str "$1")" "$(json_str "$RUN_ID")" "$(json_str "$HOST")" "$(json_str "$STARTED_AT")" "$(json_str "$(now_iso)")"
}

# payload_json: the last upload_compressed as a manifest payload object.
payload_json() {
  printf '{"key": %s, "size": %s, "sha256": %s, "rawSize": %s, "rawSha256": %s, "compression": "zstd"}' \
    "$(json_str "$PAYLOAD_KEY")" "$PAYLOAD_SIZE" "$(json_str "$PAYLOAD_SHA256")" "$RAW_SIZE" "$(json_str "$RAW_SHA256")"
}

zstd_version() { zstd -V | grep -o 'v[0-9.]*' | head -n 1; }

# put_manifest FILE: the manifest goes last; its presence is what marks a backup complete.
put_manifest() {
  aws_cli s3 cp "$1" "s3://$BUCKET/$OUTPUT_PREFIX/manifest.json" --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --content-type application/json
}

# upload_stream KEY METADATA: streams stdin to s3://$BUCKET/KEY (multipart), SSE-KMS with the job key.
upload_stream() {
  local key=$1 metadata=$2
  aws_cli s3 cp - "s3://$BUCKET/$key" --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --metadata "$metadata"
}

byte_count() { wc -c | tr -d ' '; }

# upload_output KEY METADATA ERRORS COMMAND...: COMMAND's output (its stderr to ERRORS) uploaded by
# upload_compressed, which reads it through a fifo in this shell, so the variables it sets stay
# set. Non-zero when COMMAND or the upload failed (the upload's status first).
upload_output() {
  local key=$1 metadata=$2 errors=$3 fifo="$CRONSNAP_WORK/output.fifo" rc=0 produced=0
  shift 3
  mkfifo "$fifo" || fail "cannot make the fifo for $key"
  "$@" 2>"$errors" >"$fifo" &
  CRONSNAP_PRODUCER=$!
  upload_compressed "$fifo" "$key" "$metadata" || rc=$?
  # A producer still waiting to open the fifo (the upload stopped first) is let on, into a broken pipe.
  : <>"$fifo"
  wait "$CRONSNAP_PRODUCER" || produced=$?
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
  tap payload-sha256 sha256_stdin
  tap payload-size byte_count
  tap raw-sha256 decompressed_sha256
  zstd -q -1 -T0 -c <"$source" \
    | tee "$CRONSNAP_WORK/payload-sha256.fifo" "$CRONSNAP_WORK/payload-size.fifo" "$CRONSNAP_WORK/raw-sha256.fifo" \
    | upload_stream "$key" "$metadata" || statuses=("${PIPESTATUS[@]}")
  # A failed upload is the caller's to report: the taps only saw a stream cut short. Otherwise a
  # tap that died (cutting tee off) is the reason, and wait_taps names it.
  if [ "${statuses[2]}" -ne 0 ]; then
    wait_taps ignore
    return "${statuses[2]}"
  fi
  wait_taps
  [ "${statuses[0]}" -eq 0 ] && [ "${statuses[1]}" -eq 0 ] || return 1
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
