# MySQL/MariaDB: which server a job reads (its primary or a replica, from the candidates or from
# MaxScale's monitor), for the dump and the binary log shipping. Runs after mysql-client.sh.

load_mysql_server_params() {
  read -r -a MYSQL <<<"$(param mysql)"
  IFS=',' read -r -a CANDIDATES <<<"$(param hosts)"
  MAXSCALE=$(param maxscale)
  SOURCE=$(param source)
  DB_USER=$(param user)
  WORK_PARENT=$(param workDir)
}

# maxctrl_list_servers: maxctrl's server list (MaxScale 2.5+ has no maxadmin). Its --tsv rows
# carry no header: Server, Address, Port, Connections, State[, GTID, Monitor...]. A REST API
# password goes in a 0600 option file (-c, MaxScale 6+), never on maxctrl's command line.
maxctrl_list_servers() {
  local args=(--tsv) hosts user
  hosts=$(optional_param maxscaleHosts)
  user=$(optional_param maxscaleUser)
  if [ -n "$hosts" ]; then args+=(--hosts "$hosts"); fi
  if [ -n "$user" ]; then
    help_mentions --config maxctrl --help \
      || fail "this maxctrl has no --config option (MaxScale before 6): the REST API password could only go on its command line, which every process on $HOST can read; upgrade MaxScale, or drop maxscale.user to use maxctrl's defaults"
    read_secret maxscalePassword
    local cnf="$CRONSNAP_WORK/maxctrl.cnf"
    # common.sh's umask 077 makes it 0600, which maxctrl insists on.
    printf '[maxctrl]\nu = %s\np = %s\n' "$user" "$SECRET" >"$cnf"
    unset SECRET
    args+=(--config "$cnf")
  fi
  maxctrl "${args[@]}" list servers 2>"$CRONSNAP_WORK/maxscale.err" \
    || fail "maxctrl list servers failed: $(tail -n 1 "$CRONSNAP_WORK/maxscale.err")"
}

# find_maxscale_master: the server MaxScale's monitor reports as "Master, Running" (seed 000), from
# maxctrl where it is installed, else maxadmin (MaxScale 2.4 and older). MAXSCALE_TOOL and
# MAXSCALE_LISTING go into the manifest, so a backup shows why that server was chosen.
find_maxscale_master() {
  local master
  if command -v maxctrl >/dev/null 2>&1; then
    MAXSCALE_TOOL=maxctrl
    MAXSCALE_LISTING=$(maxctrl_list_servers)
    master=$(awk -F'\t' '$5 ~ /Master/ && $5 ~ /Running/ {gsub(/ /, "", $2); gsub(/ /, "", $3); print $2 ":" $3; exit}' <<<"$MAXSCALE_LISTING")
  elif command -v maxadmin >/dev/null 2>&1; then
    MAXSCALE_TOOL=maxadmin
    MAXSCALE_LISTING=$(maxadmin list servers 2>"$CRONSNAP_WORK/maxscale.err") \
      || fail "maxadmin list servers failed: $(tail -n 1 "$CRONSNAP_WORK/maxscale.err")"
    # "server1 | 10.0.2.15 | 3306 | 0 | Master, Running"
    master=$(awk -F'|' '$5 ~ /Master/ && $5 ~ /Running/ {gsub(/ /, "", $2); gsub(/ /, "", $3); print $2 ":" $3; exit}' <<<"$MAXSCALE_LISTING")
  else
    fail "the job asks MaxScale for the master, but neither maxctrl (MaxScale 2.5+) nor maxadmin is installed on $HOST"
  fi
  [ -n "$master" ] || fail "$MAXSCALE_TOOL list servers shows no running master: $(tr '\n\t' '; ' <<<"$MAXSCALE_LISTING")"
  log "MaxScale ($MAXSCALE_TOOL) reports the running master at $master"
  CANDIDATES=("$master")
}

maxscale_json() {
  if [ -z "${MAXSCALE_TOOL:-}" ]; then echo null; return; fi
  printf '{"tool": %s, "listing": %s}' "$(json_str "$MAXSCALE_TOOL")" "$(json_str "$(head -c 8192 <<<"$MAXSCALE_LISTING")")"
}

find_server() {
  step find-server
  local candidate host port read_only
  if [ "$MAXSCALE" = true ]; then find_maxscale_master; fi
  for candidate in "${CANDIDATES[@]}"; do
    host=${candidate%:*} port=${candidate##*:}
    check_login "$host" "$port"
    read_only=$(mysql_query "$host" "$port" 'SELECT @@global.read_only')
    if { [ "$SOURCE" = primary ] && [ "$read_only" = 0 ]; } || { [ "$SOURCE" = replica ] && [ "$read_only" = 1 ]; }; then
      DB_HOST=$host DB_PORT=$port
      log "reading $SOURCE $DB_HOST:$DB_PORT"
      return
    fi
  done
  fail "no $SOURCE among ${CANDIDATES[*]} (read_only did not match)"
}

# binlog_server_key: the folder of this server's shipped binary logs, which name its files apart
# from every other server's: server_uuid (MySQL 5.6+), else server-<server_id> (MariaDB has no uuid).
binlog_server_key() {
  local uuid
  if uuid=$(mysql_query "$DB_HOST" "$DB_PORT" 'SELECT @@global.server_uuid' 2>/dev/null) && [ -n "$uuid" ]; then
    printf '%s\n' "$uuid"
  else
    printf 'server-%s\n' "$(mysql_query "$DB_HOST" "$DB_PORT" 'SELECT @@global.server_id')"
  fi
}
