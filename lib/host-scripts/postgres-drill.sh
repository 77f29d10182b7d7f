# PostgreSQL restore drill: the restore's own download, sha256 checks and pg_restore, into scratch
# databases (scratchPrefix_1, _2, ...) on the drill server; then every table's rows are counted and
# reported, and the scratch databases are dropped, whatever happened. Runs after common.sh,
# postgres-client.sh and postgres-restore.sh.

drop_scratch() {
  local name
  for name in "${DATABASES[@]}"; do pg_query "DROP DATABASE IF EXISTS \"$(target_name "$name")\"" >/dev/null; done
}

main() {
  step preflight
  load_database_restore_params
  restore_into_scratch "$(param scratchPrefix)"
  PARTIAL_FATE='is dropped with the other scratch databases'
  RESTORE_PROPERTIES=false
  # Its own lock: a drill never holds up a backup or a restore of the job.
  acquire_job_lock "$JOB" drill
  fetch_and_log_in
  # plan refuses a scratch name that exists: only databases this drill created are dropped.
  plan
  CRONSNAP_EXIT_HOOKS+=(drop_scratch)
  apply_restore
  count_restored
  drop_scratch
  step finished
}

main
