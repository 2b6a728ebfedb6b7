#!/bin/sh
# The README's first command: starts a private Dovecot on 127.0.0.1 with sample mail, imports it
# into a demo Maildir owned by a non-root user, verifies it, and prints the reports.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
npm run build --silent
exec node dist/scripts/demo.js
