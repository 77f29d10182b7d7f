# The etcd restore program's entry point: one action per command (see etcd-restore.sh).

main() {
  step preflight
  load_restore_params
  ACTION=$(param action)
  require_commands "$(etcdctl_program)" zstd aws flock tar
  # A member's container is down for most actions; those that need a running etcdctl check it.
  if ! in_container || [ "$ACTION" = membership ] || [ "$ACTION" = bump-revision ]; then require_etcdctl; fi
  if [ "$ACTION" = bump-revision ]; then require_commands curl base64; fi
  CRONSNAP_RESTORING=$JOB
  acquire_job_lock "$JOB"
  make_work_dir "$WORK_PARENT"
  case $ACTION in
    prepare) prepare ;;
    stop) stop_member ;;
    restore) restore_member ;;
    start) start_member ;;
    health) check_health ;;
    rollback) rollback ;;
    abandon) step abandon; abandon ;;
    membership) replace_membership ;;
    rejoin) rejoin ;;
    old-revision) report_old_revision ;;
    bump-revision) bump_revision ;;
  esac
  step finished
}

main
