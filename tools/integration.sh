#!/usr/bin/env bash
# Runs the ansible-test integration targets against real services or the local emulators.
#
# Real services are used when their settings are in the environment:
#   iLert:         ILERT_API_TOKEN (and ILERT_ENDPOINT, default https://api.ilert.com)
#   Elasticsearch: ELASTICSEARCH_ENDPOINTS (and ELASTICSEARCH_USERNAME/_PASSWORD or _API_KEY;
#                  ELASTICSEARCH_NOTIFICATION_TYPES: the slack/pagerduty/jira accounts it has)
# Otherwise the emulators are started on private ports for the run and stopped afterwards.
# ansible-test hides the environment from targets, so the settings reach them as variables in
# the tree's tests/integration/integration_config.yml (written here into EMULATORS_DIR, then
# copied into the tree by tools/ansible-test.sh).
# Two runs at once (two stacks) need their own ports (ES_EMULATOR_PORT, ILERT_EMULATOR_PORT);
# the emulators' state and the config are per stack (INTEGRATION_EMULATORS_DIR, default
# .emulators/integration-<stack>; not EMULATORS_DIR, which may name emulators of the user's own).
# Usage: tools/integration.sh [ansible-test integration options and targets]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export EMULATORS_DIR=${INTEGRATION_EMULATORS_DIR:-$root/.emulators/integration-${STACK:-py${PY:-3.12}}}
mkdir -p "$EMULATORS_DIR"
config=$EMULATORS_DIR/integration_config.yml
export INTEGRATION_CONFIG=$config
export ILERT_EMULATOR_PORT=${ILERT_EMULATOR_PORT:-18081}
export ES_EMULATOR_PORT=${ES_EMULATOR_PORT:-19201}
demo_token=il-demo-token-not-a-secret

cleanup() {
    "$root/tools/emulators.sh" stop >/dev/null || true
    rm -f "$config"
}
trap cleanup EXIT

# Only the emulators of the services not given in the environment.
needed=()
[ -n "${ELASTICSEARCH_ENDPOINTS:-}" ] || needed+=(elasticsearch)
[ -n "${ILERT_API_TOKEN:-}" ] || needed+=(ilert)
if [ ${#needed[@]} -gt 0 ]; then
    "$root/tools/emulators.sh" start "${needed[@]}"
fi

if [ -n "${ILERT_API_TOKEN:-}" ]; then
    ilert_url=${ILERT_ENDPOINT:-https://api.ilert.com} ilert_token=$ILERT_API_TOKEN ilert_emulator=false
else
    ilert_url=http://127.0.0.1:$ILERT_EMULATOR_PORT ilert_token=$demo_token ilert_emulator=true
fi
if [ -n "${ELASTICSEARCH_ENDPOINTS:-}" ]; then
    es_hosts=$ELASTICSEARCH_ENDPOINTS es_emulator=false
else
    es_hosts=http://127.0.0.1:$ES_EMULATOR_PORT es_emulator=true
fi
echo "integration: iLert at $ilert_url (emulator: $ilert_emulator), Elasticsearch at $es_hosts (emulator: $es_emulator)"

# JSON is YAML; json.dumps quotes every value safely, secrets included.
ILERT_URL=$ilert_url ILERT_TOKEN=$ilert_token ILERT_EMULATOR=$ilert_emulator ES_HOSTS=$es_hosts \
ES_EMULATOR=$es_emulator "${VENV:-$root/.venv}/bin/python" - "$config" <<'PY'
import json, os, sys
config = {
    "ilert_api_url": os.environ["ILERT_URL"],
    "ilert_api_token": os.environ["ILERT_TOKEN"],
    "ilert_emulator": os.environ["ILERT_EMULATOR"] == "true",
    "es_hosts": [host.strip() for host in os.environ["ES_HOSTS"].split(",") if host.strip()],
    "es_username": os.environ.get("ELASTICSEARCH_USERNAME"),
    "es_password": os.environ.get("ELASTICSEARCH_PASSWORD"),
    "es_api_key": os.environ.get("ELASTICSEARCH_API_KEY"),
    "es_emulator": os.environ["ES_EMULATOR"] == "true",
    # A Python with the 8.x Elasticsearch client, for targets that test against an 8.x cluster.
    "es8_python": os.environ.get("ES8_PYTHON") or "",
    # The notification types a real cluster has accounts for (e.g. "slack,pagerduty,jira"); the
    # emulator is given the accounts the targets need.
    "es_notification_types": [kind.strip() for kind in os.environ.get("ELASTICSEARCH_NOTIFICATION_TYPES", "").split(",") if kind.strip()],
}
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump(config, handle, indent=2)
PY
chmod 600 "$config"

"$root/tools/ansible-test.sh" integration --local "$@"
