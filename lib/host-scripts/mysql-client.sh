# MySQL/MariaDB client functions shared by the dump and the restore. Expects MYSQL and DB_USER to
# be set; the password's document parameters are read_secret's.

# The password goes from SSM or Secrets Manager straight into a 0600 option file in our private
# work dir: never on a command line, in the environment of a child, or in any output. The EXIT
# trap removes the dir.
write_credentials() {
  step credentials
  CLIENT_CNF="$CRONSNAP_WORK/client.cnf"
  read_secret password
  local password=${SECRET//\\/\\\\}
  unset SECRET
  password=${password//\"/\\\"}
  printf '[client]\nuser="%s"\npassword="%s"\n' "$DB_USER" "$password" >"$CLIENT_CNF"
}

# sql_string VALUE: VALUE as a quoted SQL string literal. Patterns and replacements are quoted
# variables: bash 4.2 and 5.2+ (patsub_replacement) read a quote or a backslash written inside
# ${x//...} differently.
sql_string() {
  local value=$1 quote="'" quotes="''" backslash=\\ backslashes=\\\\
  value=${value//"$backslash"/"$backslashes"}
  value=${value//"$quote"/"$quotes"}
  printf "'%s'" "$value"
}

mysql_query() {
  local host=$1 port=$2 sql=$3
  "${MYSQL[@]}" --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$host" -P "$port" -N -B -e "$sql"
}

# Try to log in; a refused password fails the run with the server's own words.
check_login() {
  local host=$1 port=$2 err
  if ! err=$(mysql_query "$host" "$port" 'SELECT 1' 2>&1 >/dev/null); then
    fail "job $JOB on $HOST: login to $host:$port as $DB_USER failed: ${err##*ERROR }"
  fi
}
