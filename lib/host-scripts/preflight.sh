# cronsnap preflight: what this host has of what the job's host programs need, one report line a
# tool (`cronsnap: tool {"name", "path", "version"}`), the work dir's free space and the region
# the aws CLI will use. Read-only: it changes nothing, and a missing tool is a finding, not a failure.
# Runs after common.sh.

# tool_fact NAME COMMAND_WORDS VERSION_ARGS...: where COMMAND_WORDS' program is and the first line
# its version arguments print (stdout or stderr: aws CLI v1 writes its version to stderr).
tool_fact() {
  local name=$1 words path='' version=''
  read -r -a words <<<"$2"
  shift 2
  path=$(command -v "${words[0]}" 2>/dev/null) || path=''
  if [ -n "$path" ]; then version=$(ETCDCTL_API=3 "${words[@]}" "$@" </dev/null 2>&1 | grep -v '^$' | head -n 1) || true; fi
  report tool "{\"name\": $(json_str "$name"), \"path\": $(json_str "$path"), \"version\": $(json_str "$version")}"
}

main() {
  step preflight
  local dir free='null' name command
  report tool "{\"name\": \"bash\", \"path\": $(json_str "$BASH"), \"version\": $(json_str "$BASH_VERSION")}"
  tool_fact coreutils tee --version
  tool_fact tar tar --version
  tool_fact zstd zstd -V
  tool_fact openssl openssl version
  tool_fact sha256sum sha256sum --version
  tool_fact aws aws --version
  tool_fact flock flock --version
  tool_fact jq jq --version
  # shellcheck disable=SC2016 # perl's own $] (its version)
  tool_fact perl perl -e 'print "perl $]\n"'
  # The agent runs this program, but its binary is on the PATH only where a package put it there.
  command=$(command -v amazon-ssm-agent || ls /snap/amazon-ssm-agent/current/amazon-ssm-agent 2>/dev/null || echo amazon-ssm-agent)
  tool_fact ssmAgent "$command" --version
  command=$(optional_param etcdctl)
  if [ -n "$command" ]; then
    tool_fact etcdctl "$command" version
    # After a quorum restore: etcdutl 3.5+ bumps the revision offline, curl does it online before that.
    tool_fact etcdutl etcdutl version
    tool_fact curl curl --version
  fi
  command=$(optional_param containerRuntime)
  case $command in
    '') ;;
    oc) tool_fact container oc version --client ;;
    *) tool_fact container "$command" --version ;;
  esac
  for name in mysqldump mysql mysqlbinlog pgDump pgDumpall psql pgRestore pgBasebackup pgReceivewal; do
    command=$(optional_param "$name")
    [ -z "$command" ] || tool_fact "$name" "$command" --version
  done
  if [ "$(optional_param maxscale)" = true ]; then
    tool_fact maxctrl maxctrl --version
    tool_fact maxadmin maxadmin --version
  fi
  dir=$(optional_param workDir)
  if [ -n "$dir" ] && [ -d "$dir" ]; then free=$(( $(df -Pk "$dir" | awk 'NR==2 {print $4}') * 1024 )); fi
  report space "{\"dir\": $(json_str "$dir"), \"freeBytes\": $free}"
  report region "{\"region\": $(json_str "${AWS_DEFAULT_REGION:-}")}"
}

main
