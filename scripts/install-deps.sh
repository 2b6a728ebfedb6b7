#!/bin/sh
# Installs what qmail-import's demo, tests and benchmarks need on Debian, as root: Dovecot
# (the stand-in source server), openssl and setpriv, the IMAP clients the tests sync with (mbsync,
# offlineimap3), and the npm packages. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "$0: run as root (it installs Debian packages and creates test users)" >&2
  exit 2
fi

PACKAGES="dovecot-imapd dovecot-pop3d openssl util-linux isync offlineimap3"
if ! dpkg -s $PACKAGES >/dev/null 2>&1; then
  # Debian starts a freshly installed daemon on all interfaces; ours run privately on 127.0.0.1,
  # so forbid service starts while installing (policy-rc.d, exit 101) unless a policy exists.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

# A symlinked node_modules is another checkout's (a git worktree sharing it): npm ci would empty
# that checkout's packages through the link, so it is left alone.
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; }; then
  npm ci --no-audit --no-fund
fi
