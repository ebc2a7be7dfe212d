# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole path on one machine: documents in an index -> a watch's search input and condition ->
the webhook iLert documents (`/api/v1/events/eswatcher/<key>`, `{{#toJson}}ctx{{/toJson}}`) ->
an alert in the iLert emulator. Once through `_execute`, once fired by the scheduler."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest

from emulator_kit.server import BackgroundServer
from es_emulator.testing import es_client, served, wait_for
from ilert_emulator import IlertEmulator
from ilert_emulator.testing import ApiClient


@pytest.fixture(name="ilert")
def fixture_ilert():
    with BackgroundServer(IlertEmulator()) as server:
        yield ApiClient(server.url)


def ilert_watch(ilert: ApiClient, key: str, interval: str = "1h") -> dict:
    """The watch exactly as iLert's guide builds it, pointed at the local iLert (http instead of https)."""
    address = urlsplit(ilert.url)
    return {
        "trigger": {"schedule": {"interval": interval}},
        "input": {"search": {"request": {"indices": ["logs-*"], "body": {"query": {"bool": {"filter": [
            {"term": {"level": "error"}}, {"range": {"@timestamp": {"gte": "now-5m"}}}]}}}}}},
        "condition": {"compare": {"ctx.payload.hits.total": {"gte": 2}}},
        "actions": {"ilert": {"webhook": {
            "scheme": "http", "host": address.hostname, "port": address.port, "method": "POST",
            "path": "/api/v1/events/eswatcher/" + key, "headers": {"Content-Type": "application/json"}, "params": {},
            "body": "{{#toJson}}ctx{{/toJson}}"}}},
        "metadata": {"name": "Errors in the logs"},
    }


def index_errors(es, count: int) -> None:
    for number in range(count):
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        es.index(index="logs-app", id="%d-%s" % (number, stamp), document={"level": "error", "@timestamp": stamp, "message": "boom %d" % number})
    es.indices.refresh(index="logs-app")


def test_an_executed_watch_creates_an_ilert_alert(ilert):
    source = ilert.create_source("Watcher")
    with served(scheduler=False) as server:
        es = es_client(server.url)
        es.watcher.put_watch(id="log_errors", **ilert_watch(ilert, source["integrationKey"]))
        index_errors(es, 1)
        record = es.watcher.execute_watch(id="log_errors", record_execution=True)["watch_record"]
        assert record["result"]["condition"]["met"] is False
        assert not ilert.alerts()

        index_errors(es, 3)
        record = es.watcher.execute_watch(id="log_errors", record_execution=True)["watch_record"]
        assert record["result"]["input"]["payload"]["hits"]["total"] == 4
        action = record["result"]["actions"][0]
        assert action["status"] == "success", action
        assert action["webhook"]["response"]["status"] == 202
    alerts = ilert.alerts()
    assert len(alerts) == 1
    assert alerts[0]["summary"] == "Errors in the logs"
    assert alerts[0]["alertKey"] == "log_errors"


def test_a_scheduled_watch_creates_an_ilert_alert_by_itself(ilert):
    source = ilert.create_source("Watcher")
    with served() as server:
        es = es_client(server.url)
        index_errors(es, 2)
        es.watcher.put_watch(id="log_errors", **ilert_watch(ilert, source["integrationKey"], interval="1s"))
        alerts = wait_for(ilert.alerts, timeout=6)
    assert alerts[0]["summary"] == "Errors in the logs"
    assert alerts[0]["alertSource"]["id"] == source["id"]
