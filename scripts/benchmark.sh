#!/bin/sh
# Benchmarks qmail-import against mbsync, offlineimap3, doveadm backup (imapc, and imapc with
# pop3c and the pop3_migration plugin) and a plain copy, in one run on this machine, on loopback
# and over a delaying proxy (30 ms RTT), and writes BENCHMARKS.md. The peers come with
# install-deps.sh, GNU time from Debian. Sizes come from BENCH_* variables (see
# scripts/benchmark.ts); a quick smoke run:
#   BENCH_MESSAGES=200 BENCH_ACCOUNTS=3 BENCH_HUGE_MB=8 BENCH_INBOX=2000 BENCH_INBOX_SMALL=500 \
#     BENCH_PROFILE=1 BENCH_OUT=/tmp/b.md ./scripts/benchmark.sh
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
PEERS="time"
dpkg -s $PEERS >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PEERS
npm run build --silent
node dist/scripts/benchmark.js
npx prettier --log-level warn --write "${BENCH_OUT:-BENCHMARKS.md}"
