# shellcheck shell=bash
# deploy/apt.sh — sourced by the deploy scripts: install one Debian package, non-interactively.
#
# apt_install PACKAGE: `apt-get update` first only when the package lists do not know PACKAGE,
# and once more before a second try if the install fails (stale lists after a mirror update).
# The caller checks for root and apt-get and defines log().

apt_install() {
    local package=$1
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show "$package" >/dev/null 2>&1; then
        log "apt-get update (package lists have no $package)"
        apt-get update -q
    fi
    log "apt-get install $package ..."
    if ! apt-get install -y -q --no-install-recommends "$package"; then
        log "install failed; refreshing package lists and retrying"
        apt-get update -q
        apt-get install -y -q --no-install-recommends "$package"
    fi
}
