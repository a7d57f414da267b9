#!/usr/bin/env bash
# Start/stop the four services as separate processes in distributed mode (real Kafka + PostgreSQL).
# Kafka and PostgreSQL are started by deploy/kafka.sh and deploy/postgres.sh (make up does both).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR=${ARFLOW_VAR:-$ROOT/var}
RUN=$VAR/platform
UV=$(command -v uv || echo "python3 -m uv")
PG=${ARFLOW_PG_URL:-postgresql+asyncpg://arflow@127.0.0.1:${ARFLOW_PG_PORT:-55432}}
SERVICES=(credit-service:8001:CREDIT:arflow_credit invoice-service:8002:INVOICE:arflow_invoice
          dunning-service:8003:DUNNING:arflow_dunning notification-service:8004:NOTIFICATION:arflow_notification)

api_keys() {
  # Distributed mode refuses to run without keys: make one for this machine on first use.
  local file=$RUN/api-keys
  if [[ ! -s $file ]]; then
    mkdir -p "$RUN"
    umask 077
    echo "operator $(python3 -c 'import secrets; print(secrets.token_urlsafe(24))') *" > "$file"
  fi
  cat "$file"
}

up() {
  mkdir -p "$RUN"
  export ARFLOW_MODE=distributed
  export ARFLOW_KAFKA_BOOTSTRAP_SERVERS=${ARFLOW_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:${ARFLOW_KAFKA_PORT:-19092}}
  ARFLOW_API_KEYS=${ARFLOW_API_KEYS:-$(api_keys)}
  export ARFLOW_API_KEYS
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name port prefix db <<< "$entry"
    if [[ -f $RUN/$name.pid ]] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
      echo "$name already running"; continue
    fi
    env "${prefix}_DATABASE_URL=${PG}/${db}" "${prefix}_PORT=$port" \
      nohup $UV run --frozen arflow serve "$name" >> "$RUN/$name.log" 2>&1 &
    echo $! > "$RUN/$name.pid"
  done
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name port _ _ <<< "$entry"
    for _ in $(seq 1 240); do
      curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
      kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null || { echo "$name died; see $RUN/$name.log"; tail -20 "$RUN/$name.log"; exit 1; }
      sleep 0.25
    done
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "$name not ready; see $RUN/$name.log"; exit 1; }
    echo "$name ready on http://127.0.0.1:$port"
  done
  echo "API key: $(awk '{print $2}' <<< "$ARFLOW_API_KEYS" | head -1)  (from $RUN/api-keys)"
}

down() {
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name _ _ _ <<< "$entry"
    local pidfile=$RUN/$name.pid
    [[ -f $pidfile ]] || continue
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
    echo "$name stopped"
  done
}

status() {
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name port _ _ <<< "$entry"
    if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then echo "$name: ready"; else echo "$name: not ready"; fi
  done
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
