# The database restore programs' entry point, after mysql-restore.sh or postgres-restore.sh (each
# defines load_database_restore_params, fetch_and_log_in, plan and apply_restore): plan, and with
# mode=apply restore. targetDatabase restores the one chosen database under a new name.

main() {
  step preflight
  load_database_restore_params
  MODE=$(param mode)
  local target
  target=$(optional_param targetDatabase)
  if [ -n "$target" ]; then
    [ ${#DATABASES[@]} -eq 1 ] || fail "a new database name needs exactly one database to restore"
    RESTORE_AS[${DATABASES[0]}]=$target
  fi
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB"
  fetch_and_log_in
  plan
  if [ "$MODE" = apply ]; then apply_restore; fi
  report summary "{\"mode\": \"$MODE\"}"
  step finished
}

main
