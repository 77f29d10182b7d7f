#!/usr/bin/env bash
# The whole test run, as CI runs it: install, type-check, lint, then every jest project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

echo "== type-check"
npx tsc --noEmit
echo "== lint"
npx eslint --max-warnings 0 .
npx tsx scripts/lint-host-scripts.ts

echo "== tests"
mkdir -p .tmp
status=0
npx jest --ci --json --outputFile=.tmp/jest-results.json "$@" || status=$?
node -e '
  const r = require("./.tmp/jest-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || status=1
exit "$status"
