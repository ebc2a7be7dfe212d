#!/usr/bin/env bash
# Starts or stops the local iLert and Elasticsearch emulators in the background.
# Usage: tools/emulators.sh start [elasticsearch] [ilert] | stop | status
#   (start without names starts both)
# Ports: ES_EMULATOR_PORT (default 19200), ILERT_EMULATOR_PORT (default 18080).
# The Elasticsearch emulator has one e-mail account (the default) and no slack, pagerduty or jira
# account, like a cluster with only xpack.notification.email configured; ES_EMULATOR_ACCOUNTS
# (JSON, see tests/emulators/es_emulator/accounts.py) replaces that.
# Pid and log files live in EMULATORS_DIR (default .emulators/, ignored by git).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${VENV:-$root/.venv}/bin/python
state=${EMULATORS_DIR:-$root/.emulators}
es_port=${ES_EMULATOR_PORT:-19200}
ilert_port=${ILERT_EMULATOR_PORT:-18080}
es_accounts=${ES_EMULATOR_ACCOUNTS:-'{"email": ["default"]}'}

start_one() {  # name port module args...
    local name=$1 port=$2 module=$3
    shift 3
    if [ -f "$state/$name.pid" ] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
        echo "$name emulator already running (pid $(cat "$state/$name.pid"), log $state/$name.log)"
        return
    fi
    PYTHONPATH=$root/tests/emulators nohup "$python" -m "$module" --port "$port" --quiet "$@" \
        >"$state/$name.log" 2>&1 </dev/null &
    echo $! >"$state/$name.pid"
    # Ready when it answers on its port; give up after 10 s and show why.
    for _ in $(seq 100); do
        if "$python" - "$port" <<'PY' 2>/dev/null; then
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
            echo "$name emulator on http://127.0.0.1:$port (pid $(cat "$state/$name.pid"), log $state/$name.log)"
            return
        fi
        if ! kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "$name emulator did not start; its log says:" >&2
    cat "$state/$name.log" >&2
    exit 1
}

stop_one() {  # name
    local name=$1 pid
    [ -f "$state/$name.pid" ] || return 0
    pid=$(cat "$state/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "$name emulator stopped"
    fi
    rm -f "$state/$name.pid"
}

case ${1:-} in
    start)
        mkdir -p "$state"
        # Extra options for each emulator, split on spaces (e.g. ES_EMULATOR_ARGS="--version 8.19.0").
        read -r -a es_args <<<"${ES_EMULATOR_ARGS:-}"
        read -r -a ilert_args <<<"${ILERT_EMULATOR_ARGS:-}"
        shift
        names=("$@")
        [ ${#names[@]} -gt 0 ] || names=(elasticsearch ilert)
        for name in "${names[@]}"; do
            case $name in
                elasticsearch) start_one elasticsearch "$es_port" es_emulator --notification-accounts "$es_accounts" "${es_args[@]}" ;;
                ilert) start_one ilert "$ilert_port" ilert_emulator "${ilert_args[@]}" ;;
                *) echo "unknown emulator: $name (elasticsearch, ilert)" >&2; exit 2 ;;
            esac
        done
        ;;
    stop)
        stop_one elasticsearch
        stop_one ilert
        ;;
    status)
        for name in elasticsearch ilert; do
            if [ -f "$state/$name.pid" ] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
                echo "$name: running (pid $(cat "$state/$name.pid"))"
            else
                echo "$name: stopped"
            fi
        done
        ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
