# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The trigger engine: an active watch fires by itself on its schedule, each run is recorded (status,
history, counters); deactivation, `_watcher/_stop` and `scheduler=False` keep it quiet; the cron
adapter and the cronnable schedules give the right next times, time zones included."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from es_emulator.scheduler import cron_expressions, next_time, quartz_to_croniter
from es_emulator.testing import es_client, served, wait_for

UTC = timezone.utc


def hook_watch(httpserver, interval="1s", **extra):
    watch = {
        "trigger": {"schedule": {"interval": interval}},
        "input": {"simple": {"disk": 97}},
        "condition": {"compare": {"ctx.payload.disk": {"gt": 90}}},
        "actions": {"hook": {"throttle_period": "0s", "webhook": {
            "scheme": "http", "host": httpserver.host, "port": httpserver.port, "method": "post", "path": "/fired",
            "headers": {"Content-Type": "application/json"}, "body": "{{#toJson}}ctx{{/toJson}}"}}},
        "metadata": {"team": "ops"},
    }
    watch.update(extra)
    return watch


def fired(httpserver) -> list[dict]:
    return [json.loads(request.get_data(as_text=True)) for request, dummy in list(httpserver.log)]


def test_a_watch_with_a_1s_interval_fires_by_itself_and_delivers_the_ctx(httpserver):
    httpserver.expect_request("/fired", method="POST").respond_with_data("ok")
    with served() as server:
        es = es_client(server.url)
        put_at = datetime.now(UTC)
        es.watcher.put_watch(id="disk", **hook_watch(httpserver))
        first = wait_for(lambda: fired(httpserver), timeout=5)[0]
        assert first["watch_id"] == "disk"
        assert first["id"].startswith("disk_")
        assert first["metadata"] == {"team": "ops"}
        assert first["payload"] == {"disk": 97}
        assert first["vars"] == {}
        scheduled = datetime.fromisoformat(first["trigger"]["scheduled_time"].replace("Z", "+00:00"))
        triggered = datetime.fromisoformat(first["trigger"]["triggered_time"].replace("Z", "+00:00"))
        # An interval counts from the moment the watch was scheduled: the first run is one second later.
        assert 0.5 <= (scheduled - put_at).total_seconds() <= 2.5
        assert triggered >= scheduled
        assert set(first) == {"id", "watch_id", "execution_time", "trigger", "metadata", "payload", "vars"}

        # The run was recorded: status, version, and a history record that can be searched.
        status = wait_for(lambda: es.watcher.get_watch(id="disk")["status"].get("last_checked") and es.watcher.get_watch(id="disk"))
        assert status["_version"] >= 2
        assert status["status"]["actions"]["hook"]["ack"]["state"] == "ackable"
        assert status["status"]["execution_state"] == "executed"
        history = wait_for(lambda: es.search(index=".watcher-history-*", query={"term": {"watch_id": "disk"}})["hits"]["hits"])
        source = history[0]["_source"]
        assert source["trigger_event"]["type"] == "schedule"
        assert source["result"]["actions"][0]["webhook"]["response"]["status"] == 200

        # It keeps firing, once a second, until it is deactivated.
        second = wait_for(lambda: fired(httpserver)[1:], timeout=4)[0]
        assert second["id"] != first["id"]
        assert second["trigger"]["scheduled_time"] > first["trigger"]["scheduled_time"]
        es.watcher.deactivate_watch(watch_id="disk")
        count = len(fired(httpserver))
        time.sleep(1.2)
        assert len(fired(httpserver)) <= count + 1  # at most the run that was already under way


def test_watcher_stop_pauses_and_start_resumes(httpserver):
    httpserver.expect_request("/fired").respond_with_data("ok")
    with served() as server:
        es = es_client(server.url)
        es.watcher.stop()
        es.watcher.put_watch(id="disk", **hook_watch(httpserver))
        assert es.watcher.stats()["stats"][0]["watcher_state"] == "stopped"
        time.sleep(1.2)
        assert not fired(httpserver)
        es.watcher.start()
        assert es.watcher.stats()["stats"][0]["watcher_state"] == "started"
        wait_for(lambda: fired(httpserver), timeout=5)


def test_scheduler_off_never_fires_but_execute_still_works(httpserver):
    httpserver.expect_request("/fired").respond_with_data("ok")
    with served(scheduler=False) as server:
        es = es_client(server.url)
        es.watcher.put_watch(id="disk", **hook_watch(httpserver))
        time.sleep(1.2)
        assert not fired(httpserver)
        assert es.watcher.get_watch(id="disk")["_version"] == 1
        es.watcher.execute_watch(id="disk")
        assert len(fired(httpserver)) == 1
        assert not server.app.scheduler.running


def test_closing_the_emulator_stops_the_scheduler_thread():
    with served() as server:
        scheduler = server.app.scheduler
        assert scheduler.running
    assert not scheduler.running


# --- next fire times ----------------------------------------------------------------------------
def test_quartz_day_of_week_numbers_are_adapted_for_croniter():
    assert quartz_to_croniter("0 15 10 ? * 6#3") == "0 15 10 ? * 5#3"      # third Friday
    assert quartz_to_croniter("0 0 12 ? * 2-6") == "0 0 12 ? * 1-5"         # Monday to Friday
    assert quartz_to_croniter("0 0 12 ? * 6L") == "0 0 12 ? * L5"           # last Friday
    assert quartz_to_croniter("0 0/5 * * * ?") == "0 0/5 * * * ?"


@pytest.mark.parametrize("schedule, after, expected", [
    ({"cron": "0 15 10 ? * 6#3"}, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 17, 10, 15, tzinfo=UTC)),
    ({"cron": "0 0/5 * * * ?"}, datetime(2025, 1, 1, 0, 3, tzinfo=UTC), datetime(2025, 1, 1, 0, 5, tzinfo=UTC)),
    ({"cron": ["0 0 12 * * ?", "0 0 6 * * ?"]}, datetime(2025, 1, 1, 7, tzinfo=UTC), datetime(2025, 1, 1, 12, tzinfo=UTC)),
    ({"cron": "0 0 0 1 * ? 2099"}, datetime(2025, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)),
    ({"hourly": {"minute": [0, 30]}}, datetime(2025, 1, 1, 10, 10, tzinfo=UTC), datetime(2025, 1, 1, 10, 30, tzinfo=UTC)),
    ({"daily": {"at": ["noon", {"hour": [18], "minute": [15]}]}}, datetime(2025, 1, 1, 13, tzinfo=UTC), datetime(2025, 1, 1, 18, 15, tzinfo=UTC)),
    ({"weekly": [{"on": ["FRI"], "at": ["09:30"]}]}, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 3, 9, 30, tzinfo=UTC)),
    ({"monthly": [{"on": [32], "at": ["midnight"]}]}, datetime(2025, 2, 3, tzinfo=UTC), datetime(2025, 2, 28, tzinfo=UTC)),
    ({"yearly": [{"in": ["MAR"], "on": [1], "at": ["noon"]}]}, datetime(2025, 4, 1, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC)),
    # 09:00 in Berlin is 08:00 UTC in winter.
    ({"timezone": "Europe/Berlin", "daily": {"at": ["09:00"]}}, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, 8, tzinfo=UTC)),
])
def test_next_fire_times(schedule, after, expected):
    assert next_time(schedule, after, after) == expected


def test_an_interval_counts_from_its_anchor():
    anchor = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert next_time({"interval": "10s"}, datetime(2025, 1, 1, 0, 0, 25, tzinfo=UTC), anchor) == datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert next_time({"interval": "1m"}, anchor, anchor) == datetime(2025, 1, 1, 0, 1, tzinfo=UTC)


def test_cronnable_schedules_become_quartz_expressions():
    assert cron_expressions({"hourly": {"minute": [0, 5]}}) == ["0 0,5 * * * ?"]
    assert cron_expressions({"weekly": [{"on": ["MON", "FRI"], "at": ["noon"]}]}) == ["0 0 12 ? * MON,FRI"]
    assert cron_expressions({"monthly": [{"on": [1, 32], "at": ["midnight"]}]}) == ["0 0 0 1,L * ?"]
