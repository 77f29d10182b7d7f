# The PostgreSQL restore program's entry point: plan, and with mode=apply restore (see
# postgres-restore.sh). targetDatabase restores the one chosen database under a new name.

main() {
  step preflight
  load_postgres_restore_params
  MODE=$(param mode)
  local target
  target=$(optional_param targetDatabase)
  if [ -n "$target" ]; then RESTORE_AS[${DATABASES[0]}]=$target; fi
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB"
  fetch_and_log_in
  plan
  if [ "$MODE" = apply ]; then apply_restore; fi
  report summary "{\"mode\": \"$MODE\"}"
  step finished
}

main
