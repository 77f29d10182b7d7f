# The names database restores and drills write to. Runs after common.sh.

# The name each database of a dump is restored under, where it is not its own: the restore's
# targetDatabase, or a drill's scratch names.
declare -A RESTORE_AS=()

# target_name DATABASE: the name a database restore writes to.
target_name() { printf '%s' "${RESTORE_AS[$1]:-$1}"; }
