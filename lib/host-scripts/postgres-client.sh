# PostgreSQL client functions shared by the dump and the restore. Expects PSQL, CONNECT, PG_HOST,
# PG_PORT and PG_USER to be set; the password's document parameters are read_secret's.

# load_postgres_server_params: the server, the user, psql and the work dir, which every program
# that talks to a server of a postgres job is given.
load_postgres_server_params() {
  local server
  server=$(param server)
  PG_HOST=${server%:*} PG_PORT=${server##*:}
  PG_USER=$(param user)
  read -r -a PSQL <<<"$(param psql)"
  WORK_PARENT=$(param workDir)
  CONNECT=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -w)
}

# The password goes from SSM or Secrets Manager into a 0600 pgpass file in our private work dir;
# children learn only its path (PGPASSFILE). The EXIT trap removes the dir.
write_pgpass() {
  step credentials
  read_secret password
  local password=${SECRET//\\/\\\\}
  unset SECRET
  password=${password//:/\\:}
  printf '%s:%s:*:%s:%s\n' "$PG_HOST" "$PG_PORT" "$PG_USER" "$password" >"$CRONSNAP_WORK/pgpass"
  export PGPASSFILE="$CRONSNAP_WORK/pgpass"
}

# read_cluster_identity: SYSTEM_ID, the cluster's system identifier, and WAL_SEGMENT_SIZE in bytes,
# which name a physical backup's WAL (PostgreSQL 10 or later).
# shellcheck disable=SC2034 # read by the base backup and WAL shipping
read_cluster_identity() {
  SYSTEM_ID=$(pg_query 'SELECT system_identifier FROM pg_control_system()') \
    || fail "cannot read the system identifier of $PG_HOST:$PG_PORT (a physical backup and its WAL need PostgreSQL 10 or later)"
  WAL_SEGMENT_SIZE=$(pg_query "SELECT setting::bigint * (CASE unit WHEN '8kB' THEN 8192 WHEN 'B' THEN 1 ELSE 1048576 END) FROM pg_settings WHERE name = 'wal_segment_size'")
}

pg_query() {
  "${PSQL[@]}" "${CONNECT[@]}" -d postgres -X -A -t -v ON_ERROR_STOP=1 -c "$1"
}

# Try to log in; a refused password fails the run with the server's FATAL line.
check_pg_login() {
  local err
  if ! err=$(pg_query 'SELECT 1' 2>&1 >/dev/null); then
    # psql's last line names the pgpass file; the line that says why is the FATAL one.
    fail "job $JOB on $HOST: login to $PG_HOST:$PG_PORT as $PG_USER failed: $(grep -m 1 -o 'FATAL:.*' <<<"$err" || tail -n 1 <<<"$err")"
  fi
}

# One JSON object, {"schema.table": rows, ...}, of every ordinary table's exact row count (what
# pg_dump dumps: extension members excluded), counted in the session's own snapshot.
ROW_COUNTS_SQL="SELECT coalesce(json_object_agg(n.nspname || '.' || c.relname,
    (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
    ORDER BY n.nspname, c.relname), '{}')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')"

# row_counts DATABASE: {"schema.table": rows, ...}, counted by the same query as the dump's.
row_counts() {
  "${PSQL[@]}" "${CONNECT[@]}" -d "$1" -X -A -t -v ON_ERROR_STOP=1 -c "$ROW_COUNTS_SQL"
}
