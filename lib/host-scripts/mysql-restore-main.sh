# The MySQL/MariaDB restore program's entry point: plan, and with mode=apply restore (see
# mysql-restore.sh). targetDatabase restores the one chosen database under a new name.

main() {
  step preflight
  load_mysql_restore_params
  MODE=$(param mode)
  local target
  target=$(optional_param targetDatabase)
  if [ -n "$target" ]; then
    [ ${#DATABASES[@]} -eq 1 ] || fail "a new database name needs exactly one database to restore"
    RESTORE_AS[${DATABASES[0]}]=$target
  fi
  require_commands "${MYSQL[0]}" zstd aws flock awk
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB"
  require_free_space "$WORK_PARENT" $((PAYLOAD_SIZE + 1048576))
  make_work_dir "$WORK_PARENT"
  fetch_dump
  write_credentials
  check_login "$DB_HOST" "$DB_PORT"
  plan
  if [ "$MODE" = apply ]; then apply_restore; fi
  report summary "{\"mode\": \"$MODE\"}"
  step finished
}

main
