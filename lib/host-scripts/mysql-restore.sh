# MySQL/MariaDB restore: download the dump and check its sha256 before anything else; restore the
# chosen databases (sections of the dump), optionally under a new name to check before switching.
# A database that exists on the target with tables is never overwritten. Runs after common.sh and
# mysql-client.sh.

load_mysql_restore_params() {
  load_restore_common_params
  PAYLOAD_KEY=$(param payloadKey)
  PAYLOAD_SHA256=$(param payloadSha256)
  PAYLOAD_SIZE=$(param payloadSize)
  local server
  server=$(param server)
  DB_HOST=${server%:*} DB_PORT=${server##*:}
  DB_USER=$(param user)
  PASSWORD_PARAMETER=$(param passwordParameter)
  read -r -a MYSQL <<<"$(param mysql)"
  IFS=',' read -r -a DATABASES <<<"$(param databases)"
  TARGET_DATABASE=$(optional_param targetDatabase)
  MODE=$(param mode)
  WORK_PARENT=$(param workDir)
  if [ -n "$TARGET_DATABASE" ] && [ ${#DATABASES[@]} -ne 1 ]; then fail "a new database name needs exactly one database to restore"; fi
}

# The dump's header (session settings, replication coordinates) and the sections of the chosen
# databases; with a new name, that section's CREATE DATABASE and USE lines name it instead.
select_sections() {
  awk -v keep="$(IFS=,; echo "${DATABASES[*]}")" -v target="$TARGET_DATABASE" '
    BEGIN { n = split(keep, names, ","); for (i = 1; i <= n; i++) wanted[names[i]] = 1; on = 1; name = "" }
    /^-- Current Database: `/ { name = $0; sub(/^-- Current Database: `/, "", name); sub(/`$/, "", name); on = (name in wanted) }
    on && target != "" && name != "" && /^(CREATE DATABASE|USE) / { gsub("`" name "`", "`" target "`") }
    on { print }'
}

plan() {
  step plan
  local name target tables
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    tables=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$target'")
    [ "$tables" -eq 0 ] || fail "database $target on $DB_HOST:$DB_PORT has $tables tables; restore under a new name (targetDatabase) or move it aside yourself; nothing was changed"
    report plan "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"server\": $(json_str "$DB_HOST:$DB_PORT")}"
  done
}

# Under a new name, object definitions that name their own database (view bodies, triggers and
# routines created as `shop.name`) must name the new one, or they would collide with the live
# database's. Data lines (INSERT) are left alone so no value is rewritten.
rename_references() {
  if [ -z "$TARGET_DATABASE" ]; then cat; return; fi
  local source
  source=$(printf '%s' "${DATABASES[0]}" | sed 's/[$.-]/\\&/g')
  sed -E "/^INSERT INTO /! s/(^|[^A-Za-z0-9_\$\`])\`?$source\`?\./\1\`$TARGET_DATABASE\`./g"
}

apply_restore() {
  step restore
  zstd -q -d -c "$ARCHIVE" | select_sections | rename_references \
    | "${MYSQL[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" --default-character-set=utf8mb4 2>"$CRONSNAP_WORK/restore.err" \
    || fail "restoring into $DB_HOST:$DB_PORT failed: $(tail -n 1 "$CRONSNAP_WORK/restore.err")"
  local name target tables
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    tables=$(mysql_query "$DB_HOST" "$DB_PORT" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$target'")
    report restored "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"tables\": $tables}"
  done
}

main() {
  step preflight
  load_mysql_restore_params
  require_commands "${MYSQL[0]}" zstd aws flock awk
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB"
  require_free_space "$WORK_PARENT" $((PAYLOAD_SIZE + 1048576))
  make_work_dir "$WORK_PARENT"
  step download
  ARCHIVE="$CRONSNAP_WORK/dump.sql.zst"
  download_verified "$PAYLOAD_KEY" "$PAYLOAD_SHA256" "$ARCHIVE"
  write_credentials
  check_login "$DB_HOST" "$DB_PORT"
  plan
  if [ "$MODE" = apply ]; then apply_restore; fi
  report summary "{\"mode\": \"$MODE\"}"
  step finished
}

main
