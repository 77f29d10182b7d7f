# The job's database password (or another secret, such as MaxScale's), read where the document
# runs. Runs after common.sh.

# read_secret STEM: a password into SECRET, a shell variable: it never reaches a command line,
# a child's environment or any output. It comes from the SSM SecureString named by the parameter
# STEMParameter, or else the Secrets Manager secret STEMSecret (its STEMSecretKey field when that
# is set): `password` for the job's database password, `maxscalePassword` for MaxScale's.
read_secret() {
  local stem=$1 parameter secret key origin file="$CRONSNAP_WORK/secret"
  parameter=$(optional_param "${stem}Parameter")
  secret=$(optional_param "${stem}Secret")
  key=$(optional_param "${stem}SecretKey")
  if [ -n "$parameter" ]; then
    origin="SSM parameter $parameter"
    aws_cli ssm get-parameter --name "$parameter" --with-decryption \
      --query Parameter.Value --output text >"$file" 2>"$CRONSNAP_WORK/secret.err" \
      || fail "cannot read $origin: $(tail -n 1 "$CRONSNAP_WORK/secret.err")"
  elif [ -n "$secret" ]; then
    origin="Secrets Manager secret $secret"
    # A binary secret has no SecretString; the CLI would print "None" for it.
    aws_cli secretsmanager get-secret-value --secret-id "$secret" \
      --query "SecretString || ''" --output text >"$file" 2>"$CRONSNAP_WORK/secret.err" \
      || fail "cannot read $origin: $(tail -n 1 "$CRONSNAP_WORK/secret.err")"
    if [ -n "$key" ]; then
      require_commands jq
      # jq's own complaints would quote the input, so they are dropped for a reason of our own.
      jq -e -r --arg key "$key" '.[$key] | strings' <"$file" >"$file.field" 2>/dev/null \
        || fail "$origin is not a JSON object with a string field '$key'"
      mv -f -- "$file.field" "$file"
    fi
  else
    fail "document parameters '${stem}Parameter' and '${stem}Secret' are both empty"
  fi
  IFS= read -r SECRET <"$file" || true
  rm -f -- "$file"
  [ -n "$SECRET" ] || fail "$origin holds no password (an empty string${secret:+, or a binary secret})"
}
