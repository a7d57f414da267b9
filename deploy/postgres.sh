#!/usr/bin/env bash
# deploy/postgres.sh — a private PostgreSQL cluster for arflow dev/test.
#
# Usage: deploy/postgres.sh {install|start|stop|status|createdb NAME|url [NAME]|reset}
#
#   install        apt-get install postgresql if no /usr/lib/postgresql/*/bin/initdb exists
#   start          install if needed, initdb once, start the cluster on 127.0.0.1:$ARFLOW_PG_PORT,
#                  wait until it accepts connections and create the service databases;
#                  no-op (apart from creating missing databases) if it is already running
#   stop           pg_ctl stop -m fast
#   status         exit 0 if the cluster runs and accepts connections, 3 otherwise
#   createdb NAME  create database NAME owned by arflow unless it exists
#   url [NAME]     print the SQLAlchemy/asyncpg URL of database NAME (default: postgres)
#   reset          stop and delete the cluster's data
#
# This is NOT the Debian system cluster: it is its own cluster under $ARFLOW_VAR/postgres,
# run by the `postgres` OS user (PostgreSQL refuses to run as root), superuser `arflow`,
# authentication `trust` for local and loopback connections — a dev/test cluster only.
#
# Environment: ARFLOW_VAR (default <repo>/var), ARFLOW_PG_PORT (55432),
# ARFLOW_PG_BINDIR (default: newest /usr/lib/postgresql/*/bin), ARFLOW_PG_START_TIMEOUT (60 s).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
# shellcheck source-path=SCRIPTDIR source=apt.sh
. "$SCRIPT_DIR/apt.sh"
ARFLOW_VAR=${ARFLOW_VAR:-$REPO_ROOT/var}
PG_PORT=${ARFLOW_PG_PORT:-55432}
START_TIMEOUT=${ARFLOW_PG_START_TIMEOUT:-60}
readonly PG_SUPERUSER=arflow
readonly PG_OS_USER=postgres
readonly SERVICE_DBS=(arflow_invoice arflow_credit arflow_dunning arflow_notification)

log() { printf 'postgres: %s\n' "$*"; }
err() { printf 'postgres: %s\n' "$*" >&2; }
die() {
    err "error: $*"
    exit 1
}

usage() {
    cat >&2 <<'EOF'
usage: deploy/postgres.sh {install|start|stop|status|createdb NAME|url [NAME]|reset}
EOF
    exit 2
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_root() { ((EUID == 0)); }

setup_paths() {
    is_uint "$PG_PORT" || die "ARFLOW_PG_PORT must be a number, got '$PG_PORT'"
    is_uint "$START_TIMEOUT" || die "ARFLOW_PG_START_TIMEOUT must be a number of seconds"
    # Absolute and canonical, without creating anything (status must not leave traces).
    ARFLOW_VAR=$(realpath -m -- "$ARFLOW_VAR")
    PREFERRED_ROOT=$ARFLOW_VAR/postgres
    # Records where the cluster actually lives (PREFERRED_ROOT or the /var/tmp fallback).
    LOCATION_FILE=$ARFLOW_VAR/postgres.location
    LOCK_FILE=$ARFLOW_VAR/.postgres.lock
    local hash
    hash=$(printf '%s' "$ARFLOW_VAR" | sha256sum | cut -c1-12)
    FALLBACK_ROOT=/var/tmp/arflow-postgres-$hash
}

# Sets PGROOT and the paths below it. With create=1 (start), decides where the cluster goes:
# $ARFLOW_VAR/postgres if the postgres OS user can reach it, else /var/tmp/arflow-postgres-<hash>.
resolve_root() {
    local create=${1:-0}
    if [[ -s $LOCATION_FILE ]]; then
        PGROOT=$(<"$LOCATION_FILE")
    elif ((create)); then
        PGROOT=$PREFERRED_ROOT
        if is_root; then
            mkdir -p -- "$PREFERRED_ROOT"
            chown "$PG_OS_USER:" "$PREFERRED_ROOT"
            if ! as_pg test -x "$PREFERRED_ROOT" -a -w "$PREFERRED_ROOT" 2>/dev/null; then
                PGROOT=$FALLBACK_ROOT
                log "the $PG_OS_USER user cannot reach $PREFERRED_ROOT (a parent directory is not"
                log "world-searchable); the cluster lives in $PGROOT instead"
            fi
        fi
        printf '%s\n' "$PGROOT" >"$LOCATION_FILE"
    else
        PGROOT=$PREFERRED_ROOT
    fi
    DATA=$PGROOT/data
    RUN=$PGROOT/run
    LOGDIR=$PGROOT/log
    LOGFILE=$LOGDIR/postgres.log
    # A Unix socket path is limited to ~107 bytes; use a short directory when ours is too long.
    SOCKDIR=$RUN
    if ((${#RUN} + 20 > 100)); then
        SOCKDIR=/var/tmp/arflow-pgsock-$(printf '%s' "$PGROOT" | sha256sum | cut -c1-12)
    fi
}

take_lock() {
    mkdir -p -- "$ARFLOW_VAR"
    command -v flock >/dev/null 2>&1 || return 0
    # Children that outlive us (the postmaster) must not inherit fd 9: see as_pg.
    exec 9>"$LOCK_FILE"
    if ! flock -w 180 9; then
        die "could not get $LOCK_FILE within 180 s (another postgres.sh still running?)"
    fi
}

port_open() {
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    timeout 2 bash -c ': >"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

describe_listener() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hltnp "sport = :$1" 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------- binaries and OS user

find_bindir() {
    if [[ -n ${ARFLOW_PG_BINDIR:-} ]]; then
        [[ -x $ARFLOW_PG_BINDIR/initdb ]] || return 1
        printf '%s\n' "$ARFLOW_PG_BINDIR"
        return 0
    fi
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb && -x $d/pg_ctl ]] || continue
        best=$(printf '%s\n%s\n' "$best" "$d" | sed '/^$/d' | sort -V | tail -n 1)
    done
    [[ -n $best ]] || return 1
    printf '%s\n' "$best"
}

install() {
    if BINDIR=$(find_bindir); then
        log "PostgreSQL already installed ($BINDIR)"
        return 0
    fi
    is_root || die "PostgreSQL server binaries not found; install them (e.g. sudo apt-get install postgresql) or set ARFLOW_PG_BINDIR"
    command -v apt-get >/dev/null 2>&1 || die "no /usr/lib/postgresql/*/bin/initdb and no apt-get; install PostgreSQL and set ARFLOW_PG_BINDIR"
    local t0=$SECONDS
    apt_install postgresql
    BINDIR=$(find_bindir) || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
    log "installed PostgreSQL ($BINDIR) in $((SECONDS - t0)) s"
}

ensure_os_user() {
    is_root || return 0
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    log "creating OS user $PG_OS_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
        --shell /usr/sbin/nologin "$PG_OS_USER"
}

# Run a server-side command as the postgres OS user (as ourselves when not root).
# cd / first: the caller's working directory may be unreadable for that user.
# 9>&-: the postmaster started through pg_ctl would otherwise hold our lock forever.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@" 9>&-)
    else
        "$@" 9>&-
    fi
}

pg_ctl_() { as_pg "$BINDIR/pg_ctl" -D "$DATA" "$@"; }

psql_() {
    PGCONNECT_TIMEOUT=5 "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
        -U "$PG_SUPERUSER" "$@"
}

# ---------------------------------------------------------------- start

is_running() {
    [[ -n ${BINDIR:-} && -f $DATA/PG_VERSION ]] || return 1
    pg_ctl_ status >/dev/null 2>&1
}

# -U/-d: without them the probe connects as role "root" and the server logs a FATAL for it.
is_ready() {
    "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -t 2 \
        >/dev/null 2>&1
}

# Quote a value for postgresql.conf.
conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

init_cluster() {
    [[ -f $DATA/PG_VERSION ]] && return 0
    log "initdb in $DATA (superuser $PG_SUPERUSER, auth trust, UTF8)"
    mkdir -p -- "$DATA"
    if is_root; then chown "$PG_OS_USER:" "$DATA"; fi
    chmod 0700 "$DATA"
    as_pg "$BINDIR/initdb" -D "$DATA" -U "$PG_SUPERUSER" --auth=trust \
        --encoding=UTF8 --no-locale >"$LOGDIR/initdb.log" 2>&1 || {
        cat -- "$LOGDIR/initdb.log" >&2
        die "initdb failed"
    }
    # Our settings live in arflow.conf, rewritten on every start; included last so they win.
    printf '\n# arflow: settings managed by deploy/postgres.sh\ninclude_if_exists = %s\n' \
        "'arflow.conf'" >>"$DATA/postgresql.conf"
}

write_settings() {
    local conf=$DATA/arflow.conf
    cat >"$conf.tmp" <<EOF
# Written by deploy/postgres.sh on every start; edits here are overwritten.
# Dev/test cluster: loopback only, trust authentication.
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = $(conf_quote "$SOCKDIR")
max_connections = 300
shared_buffers = 256MB
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    if is_root; then chown "$PG_OS_USER:" "$conf.tmp"; fi
    mv -f -- "$conf.tmp" "$conf"
}

wait_ready() {
    local deadline=$((SECONDS + START_TIMEOUT))
    until is_ready; do
        if ((SECONDS >= deadline)); then
            err "not accepting connections on 127.0.0.1:$PG_PORT after ${START_TIMEOUT} s"
            tail -n 40 -- "$LOGFILE" >&2 || true
            return 1
        fi
        sleep 0.2
    done
}

valid_dbname() { [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]]; }

createdb_() {
    local name=$1 exists
    valid_dbname "$name" || die "invalid database name '$name' (letters, digits, _; max 63)"
    exists=$(psql_ -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
    if [[ $exists == 1 ]]; then
        return 0
    fi
    psql_ -d postgres -c "CREATE DATABASE \"$name\" OWNER \"$PG_SUPERUSER\""
    log "created database $name"
}

start() {
    local t0=$SECONDS db
    install
    ensure_os_user
    resolve_root 1
    if is_running; then
        if ! is_ready; then
            wait_ready || die "cluster in $DATA runs but does not answer on 127.0.0.1:$PG_PORT (ARFLOW_PG_PORT changed? stop it first)"
        fi
        for db in "${SERVICE_DBS[@]}"; do createdb_ "$db"; done
        log "already running on 127.0.0.1:$PG_PORT (data $DATA)"
        return 0
    fi
    if port_open "$PG_PORT"; then
        err "port $PG_PORT on 127.0.0.1 is already in use by something else:"
        describe_listener "$PG_PORT" >&2
        die "not starting PostgreSQL; free the port or set ARFLOW_PG_PORT"
    fi
    mkdir -p -- "$PGROOT" "$RUN" "$LOGDIR" "$SOCKDIR"
    if is_root; then chown "$PG_OS_USER:" "$PGROOT" "$RUN" "$LOGDIR" "$SOCKDIR"; fi
    init_cluster
    write_settings
    log "starting on 127.0.0.1:$PG_PORT (data $DATA, log $LOGFILE)"
    if ! pg_ctl_ -l "$LOGFILE" -w -t "$START_TIMEOUT" -s start; then
        err "pg_ctl start failed"
        tail -n 40 -- "$LOGFILE" >&2 || true
        exit 1
    fi
    wait_ready || exit 1
    for db in "${SERVICE_DBS[@]}"; do createdb_ "$db"; done
    log "ready on 127.0.0.1:$PG_PORT after $((SECONDS - t0)) s; e.g. $(url "${SERVICE_DBS[0]}")"
}

# ---------------------------------------------------------------- the rest

need_bindir() {
    BINDIR=$(find_bindir) || die "PostgreSQL is not installed (run: deploy/postgres.sh install)"
}

stop() {
    if ! BINDIR=$(find_bindir) || ! is_running; then
        log "not running"
        return 0
    fi
    pg_ctl_ -m fast -w -t 60 -s stop
    log "stopped"
}

status() {
    if ! BINDIR=$(find_bindir); then
        log "not installed"
        return 3
    fi
    if is_running && is_ready; then
        log "running on 127.0.0.1:$PG_PORT (data $DATA, log $LOGFILE)"
        return 0
    fi
    if is_running; then
        log "server process exists but 127.0.0.1:$PG_PORT does not accept connections"
    else
        log "not running"
    fi
    return 3
}

url() { printf 'postgresql+asyncpg://%s@127.0.0.1:%s/%s\n' "$PG_SUPERUSER" "$PG_PORT" "${1:-postgres}"; }

reset() {
    stop
    log "deleting $PGROOT"
    rm -rf -- "$PGROOT"
    if [[ $SOCKDIR != "$RUN" ]]; then rm -rf -- "$SOCKDIR"; fi
    rm -f -- "$LOCATION_FILE"
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case $cmd in
    install | start | stop | status | reset) [[ $# -eq 0 ]] || usage ;;
    createdb) [[ $# -eq 1 ]] || usage ;;
    url) [[ $# -le 1 ]] || usage ;;
    *) usage ;;
    esac
    if [[ $cmd == url ]]; then
        url "$@"
        return 0
    fi
    setup_paths
    case $cmd in
    install)
        take_lock
        install
        ;;
    start)
        take_lock
        start
        ;;
    stop)
        take_lock
        resolve_root
        stop
        ;;
    status)
        resolve_root
        status
        ;;
    createdb)
        take_lock
        resolve_root
        need_bindir
        if ! is_running || ! is_ready; then
            die "not running (run: deploy/postgres.sh start)"
        fi
        createdb_ "$1"
        ;;
    reset)
        take_lock
        resolve_root
        reset
        ;;
    esac
}

main "$@"
