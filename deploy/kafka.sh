#!/usr/bin/env bash
# deploy/kafka.sh — a single-node Apache Kafka (KRaft, broker+controller) for arflow dev/test.
#
# Usage: deploy/kafka.sh {fetch|start|stop|status|reset}
#
#   fetch   download the Kafka jars from Maven Central (via deploy/kafka/pom.xml) into
#           $ARFLOW_VAR/kafka/libs; skipped when that version is already there
#   start   fetch if needed, render server.properties, format storage once, start the broker
#           in the background and wait until it answers; no-op if it is already running
#   stop    SIGTERM, wait, SIGKILL if it will not go
#   status  exit 0 if the broker runs and its port is open, 3 otherwise
#   reset   stop and delete the broker's data (topics, offsets, cluster id)
#
# Environment: ARFLOW_VAR (default <repo>/var), ARFLOW_KAFKA_PORT (19092),
# ARFLOW_KAFKA_CONTROLLER_PORT (19093), ARFLOW_KAFKA_START_TIMEOUT (60 s),
# ARFLOW_KAFKA_STOP_TIMEOUT (30 s). Needs java (11+) and, for fetch, mvn. See deploy/README.md.
set -euo pipefail

readonly KAFKA_VERSION=3.9.1

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
ARFLOW_VAR=${ARFLOW_VAR:-$REPO_ROOT/var}
KAFKA_PORT=${ARFLOW_KAFKA_PORT:-19092}
CONTROLLER_PORT=${ARFLOW_KAFKA_CONTROLLER_PORT:-19093}
START_TIMEOUT=${ARFLOW_KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=${ARFLOW_KAFKA_STOP_TIMEOUT:-30}

POM=$SCRIPT_DIR/kafka/pom.xml
TEMPLATE=$SCRIPT_DIR/kafka/server.properties.tmpl
LOG4J=$SCRIPT_DIR/kafka/log4j.properties

log() { printf 'kafka: %s\n' "$*"; }
err() { printf 'kafka: %s\n' "$*" >&2; }
die() {
    err "error: $*"
    exit 1
}

usage() {
    cat >&2 <<'EOF'
usage: deploy/kafka.sh {fetch|start|stop|status|reset}
EOF
    exit 2
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# All paths must be absolute: they end up in server.properties and in the JVM's command line.
setup_paths() {
    is_uint "$KAFKA_PORT" || die "ARFLOW_KAFKA_PORT must be a number, got '$KAFKA_PORT'"
    is_uint "$CONTROLLER_PORT" || die "ARFLOW_KAFKA_CONTROLLER_PORT must be a number"
    is_uint "$START_TIMEOUT" || die "ARFLOW_KAFKA_START_TIMEOUT must be a number of seconds"
    is_uint "$STOP_TIMEOUT" || die "ARFLOW_KAFKA_STOP_TIMEOUT must be a number of seconds"
    [[ $KAFKA_PORT != "$CONTROLLER_PORT" ]] || die "broker and controller ports must differ"
    # Absolute and canonical, without creating anything (status must not leave traces).
    ARFLOW_VAR=$(realpath -m -- "$ARFLOW_VAR")
    KDIR=$ARFLOW_VAR/kafka
    LIBS=$KDIR/libs
    MARKER=$LIBS/VERSION
    DATA=$KDIR/data
    CONF=$KDIR/server.properties
    CLUSTER_ID_FILE=$KDIR/cluster.id
    PIDFILE=$KDIR/kafka.pid
    LOGDIR=$KDIR/logs
    SERVER_LOG=$LOGDIR/server.log
    OUT_LOG=$LOGDIR/kafka.out
}

# Serialise start/stop/fetch/reset between concurrent callers (several `make test` at once).
# The lock is released when this script exits; the broker must not inherit fd 9.
take_lock() {
    mkdir -p -- "$KDIR"
    command -v flock >/dev/null 2>&1 || return 0
    exec 9>"$KDIR/.lock"
    if ! flock -w 180 9; then
        die "could not get $KDIR/.lock within 180 s (another kafka.sh still running?)"
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

# Is $1 the broker of this checkout (and not some recycled pid)?
is_our_broker() {
    local pid=$1 cmd
    [[ -r /proc/$pid/cmdline ]] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *kafka.Kafka* && $cmd == *"$CONF"* ]]
}

# Print the broker's pid if it is running. Falls back to a /proc scan for our exact
# server.properties path in case the pid file was lost.
broker_pid() {
    local pid proc
    if [[ -f $PIDFILE ]]; then
        pid=$(<"$PIDFILE")
        if is_uint "$pid" && is_our_broker "$pid"; then
            printf '%s\n' "$pid"
            return 0
        fi
    fi
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        if [[ $pid != "$$" ]] && is_our_broker "$pid"; then
            { printf '%s\n' "$pid" >"$PIDFILE"; } 2>/dev/null || true
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------- fetch

fetch() {
    if [[ -f $MARKER && $(<"$MARKER") == "$KAFKA_VERSION" ]]; then
        log "Kafka $KAFKA_VERSION already fetched ($LIBS)"
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
    command -v java >/dev/null 2>&1 || die "java not found (apt-get install openjdk-17-jre-headless)"
    local tmp=$KDIR/libs.tmp.$$ fetch_log=$KDIR/logs/fetch.log t0=$SECONDS
    rm -rf -- "$tmp"
    mkdir -p -- "$KDIR/logs"
    log "fetching Kafka $KAFKA_VERSION from Maven Central into $LIBS ..."
    # Output goes to a file (mvn emits colour codes even with -B); shown only on failure.
    if ! mvn -q -B -Dstyle.color=never -f "$POM" -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DoutputDirectory="$tmp" >"$fetch_log" 2>&1; then
        rm -rf -- "$tmp"
        tail -n 40 -- "$fetch_log" >&2
        die "mvn dependency:copy-dependencies failed (full output: $fetch_log)"
    fi
    if [[ ! -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]]; then
        rm -rf -- "$tmp"
        die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
    fi
    printf '%s\n' "$KAFKA_VERSION" >"$tmp/VERSION"
    rm -rf -- "$LIBS"
    mv -- "$tmp" "$LIBS"
    local jars=("$LIBS"/*.jar)
    log "fetched ${#jars[@]} jars in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- start

# sed replacement text: escape \, & and the | delimiter.
sed_escape() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

render_config() {
    local tmp=$CONF.tmp.$$
    sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
        -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        -e "s|@DATA_DIR@|$(sed_escape "$DATA")|g" \
        "$TEMPLATE" >"$tmp"
    if grep -q '@[A-Z_]*@' "$tmp"; then
        rm -f -- "$tmp"
        die "unrendered placeholder left in $TEMPLATE"
    fi
    mv -- "$tmp" "$CONF"
}

java_cp() { java -Xmx256m -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOGDIR" -cp "$LIBS/*" "$@"; }

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (what
# `kafka-storage random-uuid` prints), never starting with '-' (CLI parsers choke on it).
new_cluster_id() {
    local id=-
    while [[ $id == -* ]]; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a cluster id (got '$id')"
    printf '%s\n' "$id"
}

format_storage() {
    [[ -f $DATA/meta.properties ]] && return 0
    local cluster_id
    if [[ -s $CLUSTER_ID_FILE ]]; then
        cluster_id=$(<"$CLUSTER_ID_FILE")
    else
        cluster_id=$(new_cluster_id)
        printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
    fi
    log "formatting storage in $DATA (cluster id $cluster_id)"
    mkdir -p -- "$DATA"
    java_cp kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF" >/dev/null ||
        die "kafka-storage format failed"
}

# Pick a python for the metadata probe: the project's venv, else any python3.
probe_python() {
    if [[ -x $REPO_ROOT/.venv/bin/python ]]; then
        printf '%s\n' "$REPO_ROOT/.venv/bin/python"
    elif command -v python3 >/dev/null 2>&1; then
        command -v python3
    else
        return 1
    fi
}

# A Kafka Metadata (v1, all topics) round trip with the stdlib only; succeeds when the
# broker answers and lists at least one broker. Skipped (success) if there is no python.
metadata_ok() {
    local py
    py=$(probe_python) || return 0
    "$py" - "$KAFKA_PORT" <<'PY' >/dev/null 2>&1
import socket, struct, sys

port = int(sys.argv[1])
client = b"arflow-readiness"
body = struct.pack(">hhih", 3, 1, 4242, len(client)) + client + struct.pack(">i", -1)
with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
    s.settimeout(3)
    s.sendall(struct.pack(">i", len(body)) + body)

    def recv(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                sys.exit(1)
            buf += chunk
        return buf

    (size,) = struct.unpack(">i", recv(4))
    resp = recv(size)
correlation_id, brokers = struct.unpack_from(">ii", resp, 0)
sys.exit(0 if correlation_id == 4242 and brokers >= 1 else 1)
PY
}

# Last 40 lines this start wrote to server.log (from byte offset $1), then the JVM's stdout.
dump_logs() {
    local offset=${1:-0}
    if [[ -s $SERVER_LOG ]]; then
        err "---- last 40 lines of $SERVER_LOG ----"
        tail -c "+$((offset + 1))" -- "$SERVER_LOG" | tail -n 40 >&2
    fi
    if [[ -s $OUT_LOG ]]; then
        err "---- last 40 lines of $OUT_LOG ----"
        tail -n 40 -- "$OUT_LOG" >&2
    fi
}

# Wait until this start's log says the server started, the port accepts connections and a
# metadata request works. $1 = pid, $2 = byte offset of server.log before this start.
wait_ready() {
    local pid=$1 offset=$2 deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if [[ -f $SERVER_LOG ]] && (($(stat -c %s -- "$SERVER_LOG") < offset)); then
            offset=0 # log4j rolled server.log over during this start: read the new file whole
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            err "broker (pid $pid) exited during startup"
            dump_logs "$offset"
            rm -f -- "$PIDFILE"
            return 1
        fi
        if [[ -f $SERVER_LOG ]] &&
            tail -c "+$((offset + 1))" -- "$SERVER_LOG" | grep -q 'Kafka Server started' &&
            port_open "$KAFKA_PORT" && metadata_ok; then
            return 0
        fi
        sleep 0.5
    done
    err "broker not ready after ${START_TIMEOUT} s; stopping it"
    dump_logs "$offset"
    stop_pid "$pid"
    return 1
}

start() {
    local pid offset t0=$SECONDS
    if pid=$(broker_pid); then
        if port_open "$KAFKA_PORT"; then
            log "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
            return 0
        fi
        log "broker (pid $pid) is running but not yet listening; waiting"
        wait_ready "$pid" 0 || exit 1
        log "ready on 127.0.0.1:$KAFKA_PORT (pid $pid)"
        return 0
    fi
    local port
    for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
        if port_open "$port"; then
            err "port $port on 127.0.0.1 is already in use by something else:"
            describe_listener "$port" >&2
            die "not starting Kafka; free the port or set ARFLOW_KAFKA_PORT/ARFLOW_KAFKA_CONTROLLER_PORT"
        fi
    done
    command -v java >/dev/null 2>&1 || die "java not found (apt-get install openjdk-17-jre-headless)"
    fetch
    mkdir -p -- "$LOGDIR"
    render_config
    format_storage

    offset=0
    [[ -f $SERVER_LOG ]] && offset=$(stat -c %s -- "$SERVER_LOG")
    [[ -f $OUT_LOG ]] && mv -f -- "$OUT_LOG" "$OUT_LOG.1"
    log "starting broker on 127.0.0.1:$KAFKA_PORT (controller :$CONTROLLER_PORT), logs in $LOGDIR"
    # setsid: own session, so a Ctrl-C aimed at `make test` does not take the broker down.
    # In a non-interactive shell the child is no group leader, so setsid and nohup both exec
    # in place and $! is the JVM's pid.
    setsid nohup java -Xms256m -Xmx768m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
        -Djava.awt.headless=true \
        -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOGDIR" \
        -cp "$LIBS/*" kafka.Kafka "$CONF" </dev/null >"$OUT_LOG" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
    wait_ready "$pid" "$offset" || exit 1
    log "ready on 127.0.0.1:$KAFKA_PORT (pid $pid) after $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- stop / status / reset

stop_pid() {
    local pid=$1 deadline
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        err "broker (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT} s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 10))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            die "broker (pid $pid) survived SIGKILL"
        fi
    fi
    rm -f -- "$PIDFILE"
}

stop() {
    local pid t0=$SECONDS
    if ! pid=$(broker_pid); then
        rm -f -- "$PIDFILE"
        log "not running"
        return 0
    fi
    log "stopping broker (pid $pid)"
    stop_pid "$pid"
    log "stopped after $((SECONDS - t0)) s"
}

status() {
    local pid
    if pid=$(broker_pid); then
        if port_open "$KAFKA_PORT"; then
            log "running (pid $pid) on 127.0.0.1:$KAFKA_PORT, data $DATA, logs $LOGDIR"
            return 0
        fi
        log "process $pid exists but 127.0.0.1:$KAFKA_PORT is not open (starting or stuck)"
        return 3
    fi
    log "not running"
    return 3
}

reset() {
    stop
    log "deleting $DATA"
    rm -rf -- "$DATA" "$CLUSTER_ID_FILE" "$CONF"
}

main() {
    [[ $# -eq 1 ]] || usage
    case $1 in
    fetch | start | stop | status | reset) ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
    setup_paths
    case $1 in
    fetch)
        take_lock
        fetch
        ;;
    start)
        take_lock
        start
        ;;
    stop)
        take_lock
        stop
        ;;
    status) status ;;
    reset)
        take_lock
        reset
        ;;
    esac
}

main "$@"
