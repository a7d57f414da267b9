#!/usr/bin/env bash
# deploy/chromium.sh — headless Chromium for the demo report's screenshot test.
#
# Usage: deploy/chromium.sh {install|status}
#
#   install   apt-get install chromium (Debian's package) unless /usr/bin/chromium exists
#   status    exit 0 if /usr/bin/chromium runs (prints its version), 3 otherwise
#
# Only the test of var/report.html needs it (tests/demo/test_demo_chromium.py); without root or
# apt-get the install step says so and exits 0, and that test is skipped with the reason.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=apt.sh
. "$SCRIPT_DIR/apt.sh"
readonly CHROMIUM=/usr/bin/chromium

log() { printf 'chromium: %s\n' "$*"; }

status() {
    if [[ -x $CHROMIUM ]] && "$CHROMIUM" --version 2>/dev/null; then
        return 0
    fi
    log "not installed ($CHROMIUM)"
    return 3
}

install() {
    if [[ -x $CHROMIUM ]]; then
        log "already installed ($("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"))"
        return 0
    fi
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        log "cannot install without root and apt-get: the report screenshot test will be skipped"
        return 0
    fi
    local t0=$SECONDS
    apt_install chromium
    log "installed $("$CHROMIUM" --version) in $((SECONDS - t0)) s"
}

case ${1:-} in
    install) install ;;
    status) status ;;
    *)
        echo "usage: $0 {install|status}" >&2
        exit 2
        ;;
esac
