# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ack and throttle transitions as Watcher documents them (ActionStatus, AckThrottler, ActionThrottler):
awaits_successful_execution -> ackable after a successful run -> acked by the Ack API; acked actions
are throttled until the condition is not met, which resets the ack; throttle periods per action,
per watch, and the 5 s default, measured from the last successful execution."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from es_emulator.testing import ManualClock, es_client, served


@pytest.fixture(name="clock")
def fixture_clock():
    return ManualClock(datetime(2025, 5, 26, 18, 0, 0, tzinfo=timezone.utc))


@pytest.fixture(name="es")
def fixture_es(clock):
    with served(clock=clock, scheduler=False) as server:
        yield es_client(server.url)


def put(es, actions=None, **body):
    es.watcher.put_watch(id="w", trigger={"schedule": {"interval": "1h"}}, input={"simple": {"ok": True}},
                         condition={"compare": {"ctx.payload.ok": {"eq": True}}},
                         actions=actions or {"a": {"logging": {"text": "a"}}}, **body)


def execute(es, **body) -> dict:
    return es.watcher.execute_watch(id="w", record_execution=True, **body)["watch_record"]


def ack_state(es, action="a") -> str:
    return es.watcher.get_watch(id="w")["status"]["actions"][action]["ack"]["state"]


def test_ack_states_follow_the_documented_cycle(es, clock):
    put(es)
    assert ack_state(es) == "awaits_successful_execution"
    # Ack before any successful execution changes nothing and writes nothing.
    version = es.watcher.get_watch(id="w")["_version"]
    assert es.watcher.ack_watch(watch_id="w")["status"]["actions"]["a"]["ack"]["state"] == "awaits_successful_execution"
    assert es.watcher.get_watch(id="w")["_version"] == version

    assert execute(es)["result"]["actions"][0]["status"] == "success"
    assert ack_state(es) == "ackable"
    assert es.watcher.ack_watch(watch_id="w", action_id="a")["status"]["actions"]["a"]["ack"]["state"] == "acked"
    assert ack_state(es) == "acked"

    # Acked: the action is not run again while the condition stays met (well after the throttle period).
    clock.tick(60)
    record = execute(es)
    assert record["result"]["actions"][0]["status"] == "acknowledged"
    assert record["result"]["actions"][0]["reason"].startswith("action [a] was acked at [")
    assert record["state"] == "acknowledged"
    assert es.watcher.get_watch(id="w")["status"]["actions"]["a"]["last_throttle"]["timestamp"] == record["result"]["execution_time"]

    # The condition not met resets the ack ...
    clock.tick(60)
    record = execute(es, alternative_input={"ok": False})
    assert record["state"] == "execution_not_needed"
    assert ack_state(es) == "awaits_successful_execution"
    # ... and the next successful run makes it ackable again.
    clock.tick(60)
    execute(es)
    assert ack_state(es) == "ackable"


def test_an_unmet_action_condition_resets_that_action_only(es, clock):
    put(es, actions={"a": {"condition": {"compare": {"ctx.payload.ok": {"eq": True}}}, "logging": {"text": "a"}},
                     "b": {"logging": {"text": "b"}}})
    execute(es)
    es.watcher.ack_watch(watch_id="w")
    assert (ack_state(es, "a"), ack_state(es, "b")) == ("acked", "acked")
    clock.tick(60)
    execute(es, alternative_input={"ok": False}, ignore_condition=True, action_modes={"a": "force_execute"})
    assert (ack_state(es, "a"), ack_state(es, "b")) == ("awaits_successful_execution", "acked")


def test_the_default_throttle_period_is_5s(es, clock):
    put(es)
    execute(es)
    clock.tick(4)
    record = execute(es)
    assert record["state"] == "throttled"
    action = record["result"]["actions"][0]
    assert action["status"] == "throttled"
    assert action["reason"] == "throttling interval is set to [5s] but time elapsed since last execution is [4s]"
    clock.tick(2)
    assert execute(es)["result"]["actions"][0]["status"] == "success"


def test_watch_level_and_action_level_throttle_periods(es, clock):
    put(es, throttle_period="1m", actions={"watch_period": {"logging": {"text": "x"}},
                                           "own_period": {"throttle_period": "10s", "logging": {"text": "y"}}})
    execute(es)
    clock.tick(30)
    results = {item["id"]: item["status"] for item in execute(es)["result"]["actions"]}
    assert results == {"watch_period": "throttled", "own_period": "success"}
    clock.tick(31)
    results = {item["id"]: item["status"] for item in execute(es)["result"]["actions"]}
    assert results == {"watch_period": "success", "own_period": "success"}


def test_failures_do_not_count_as_successful_executions(es, clock):
    put(es, actions={"hook": {"webhook": {"host": "127.0.0.1", "port": 9, "connection_timeout": "1s"}}})
    record = execute(es)
    assert record["result"]["actions"][0]["status"] == "failure"
    status = es.watcher.get_watch(id="w")["status"]["actions"]["hook"]
    assert status["last_execution"]["successful"] is False
    assert "last_successful_execution" not in status
    assert status["ack"]["state"] == "awaits_successful_execution"
    clock.tick(1)
    assert execute(es)["result"]["actions"][0]["status"] == "failure"  # not throttled: nothing succeeded yet
