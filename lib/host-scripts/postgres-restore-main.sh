# The PostgreSQL restore program's entry point: plan, and with mode=apply restore (see
# postgres-restore.sh). targetDatabase restores the one chosen database under a new name.

main() {
  step preflight
  load_postgres_restore_params
  MODE=$(param mode)
  local target
  target=$(optional_param targetDatabase)
  if [ -n "$target" ]; then RESTORE_AS[${DATABASES[0]}]=$target; fi
  require_commands "${PSQL[0]}" "${PG_RESTORE[0]}" zstd aws flock
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB"
  # The compressed parts plus one database unpacked at a time; the largest part bounds the latter.
  require_free_space "$WORK_PARENT" $((PARTS_SIZE * 4 + 1048576))
  make_work_dir "$WORK_PARENT"
  download_parts
  write_pgpass
  check_pg_login
  plan
  if [ "$MODE" = apply ]; then apply_restore; fi
  report summary "{\"mode\": \"$MODE\"}"
  step finished
}

main
