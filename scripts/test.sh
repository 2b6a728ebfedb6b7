#!/bin/sh
# The README's test command: installs what the suite needs, checks formatting and types, then runs the whole vitest suite
# (unit tests, and integration tests against a private Dovecot on 127.0.0.1).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
npm run -s lint
results=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line that any CI reads: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" || true
rm -f "$results"
exit $status
