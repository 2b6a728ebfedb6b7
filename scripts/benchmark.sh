#!/bin/sh
# Benchmarks qmail-import against mbsync, offlineimap3 and doveadm backup in one run, and verify
# on a large Maildir. Installs the peers from Debian. Sizes: BENCH_MESSAGES, BENCH_VERIFY.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
dpkg -s isync offlineimap3 >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends isync offlineimap3
npm run build --silent
exec node dist/scripts/benchmark.js
