#!/usr/bin/env bash
# npm run demo: install what is missing, then back up, damage, restore and report on local etcd, MariaDB and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# The SDK's notice that it will want Node 22 in 2027 is not the demo's business.
NODE_NO_WARNINGS=1 exec npx tsx scripts/demo.ts
