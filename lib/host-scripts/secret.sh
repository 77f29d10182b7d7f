# The job's database password, read where the document runs. Runs after common.sh.

# read_secret: the job's password into SECRET, a shell variable: it never reaches a command line,
# a child's environment or any output. It comes from the SSM SecureString passwordParameter, or
# else the Secrets Manager secret passwordSecret (its passwordSecretKey field when that is set).
read_secret() {
  local parameter secret key origin file="$CRONSNAP_WORK/secret"
  parameter=$(optional_param passwordParameter)
  secret=$(optional_param passwordSecret)
  key=$(optional_param passwordSecretKey)
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
    fail "document parameters 'passwordParameter' and 'passwordSecret' are both empty"
  fi
  IFS= read -r SECRET <"$file" || true
  rm -f -- "$file"
  [ -n "$SECRET" ] || fail "$origin holds no password (an empty string${secret:+, or a binary secret})"
}
