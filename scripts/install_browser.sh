#!/usr/bin/env bash
# Make sure a Chromium for the browser tests (tests/browser, pytest -m browser) is installed.
#
# The tests drive Debian's Chromium through Playwright (never `playwright install`: browsers
# are not downloaded by a tool's own installer). This script installs the `chromium` package
# with apt when it is missing: as root directly, otherwise through passwordless sudo. Set
# DEALLOOP_CHROMIUM to use another Chromium binary.
set -euo pipefail

CHROMIUM=${DEALLOOP_CHROMIUM:-/usr/bin/chromium}

have() {
  [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1
}

if have; then
  echo "install_browser: using $("$CHROMIUM" --version 2>/dev/null) at $CHROMIUM"
  exit 0
fi

if [ -n "${DEALLOOP_CHROMIUM:-}" ]; then
  echo "install_browser: DEALLOOP_CHROMIUM=$DEALLOOP_CHROMIUM is not a working Chromium." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  cat >&2 <<'MSG'
install_browser: Chromium is not installed and this user cannot install packages.
  Install it as root:   apt-get update && apt-get install -y chromium
  (or point DEALLOOP_CHROMIUM at a Chromium binary), then rerun the tests.
  The tests that do not need a browser run with:   pytest -m "not browser"
MSG
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: no apt-get here; install Chromium with your package manager and" \
       "set DEALLOOP_CHROMIUM to its path." >&2
  exit 1
fi

echo "install_browser: installing Debian's chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends chromium fonts-dejavu-core

if ! have; then
  echo "install_browser: chromium was installed but $CHROMIUM does not run." >&2
  exit 1
fi
echo "install_browser: using $("$CHROMIUM" --version 2>/dev/null) at $CHROMIUM"
