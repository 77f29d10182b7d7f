# A drill's scratch databases: every database of the dump restored under a scratch name and
# counted back. Runs after common.sh, database-names.sh and the engine's restore and drill files
# (row_counts).

# restore_into_scratch PREFIX: every one of DATABASES restored as PREFIX_1, PREFIX_2, ... (drills).
restore_into_scratch() {
  local i
  for i in "${!DATABASES[@]}"; do RESTORE_AS[${DATABASES[$i]}]="${1}_$((i + 1))"; done
}

# count_restored: reports every restored database's tables and rows, as the engine's
# `row_counts DATABASE` counts them ({"table": rows, ...}), for the drill's judge.
count_restored() {
  step count
  local name target
  for name in "${DATABASES[@]}"; do
    target=$(target_name "$name")
    report counted "{\"database\": $(json_str "$name"), \"into\": $(json_str "$target"), \"rows\": $(row_counts "$target")}"
  done
}
