#!/usr/bin/env bash
# Host scripts run as common.sh + <engine>.sh in one document, so they are checked the same way.
set -euo pipefail
cd "$(dirname "$0")/../lib/host-scripts"
for engine in *.sh; do
  [ "$engine" = common.sh ] && continue
  cat common.sh "$engine" | shellcheck -s bash - || { echo "shellcheck: $engine"; exit 1; }
done
echo "shellcheck: host scripts clean"
