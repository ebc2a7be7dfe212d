# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets, status and document counters: redaction on read, the status rebuilt by every PUT,
`_version`/`_seq_no`/`_primary_term` movement, compare-and-set conflicts and re-PUT of redacted secrets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from elasticsearch import BadRequestError, ConflictError

from es_emulator.testing import ManualClock, es_client, served

TRIGGER = {"schedule": {"interval": "1m"}}
REDACTED = "::es_redacted::"
SECRET_HOOK = {
    "webhook": {
        "host": "hooks.example.com", "port": 443, "scheme": "https", "method": "post", "path": "/in",
        "auth": {"basic": {"username": "watcher", "password": "s3cret"}},
        "headers": {"authorization": "Bearer token-1", "X-Other": "visible"},
    }
}


@pytest.fixture(name="clock")
def fixture_clock():
    return ManualClock(datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc))


@pytest.fixture(name="server")
def fixture_server(clock):
    with served(clock=clock) as server:
        yield server


@pytest.fixture(name="es")
def fixture_es(server):
    return es_client(server.url)


def stored_source(server, watch_id="w"):
    """What the `.watches` document holds (never shown by the API): secrets in clear."""
    return server.app.store.get(watch_id).source


# --- redaction -------------------------------------------------------------------------------------
def test_get_redacts_password_and_authorization_header(server, es):
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"hook": SECRET_HOOK})
    request = es.watcher.get_watch(id="w")["watch"]["actions"]["hook"]["webhook"]
    assert request["auth"] == {"basic": {"username": "watcher", "password": REDACTED}}
    assert request["headers"] == {"authorization": REDACTED, "X-Other": "visible"}
    assert request["path"] == "/in"  # paths are never redacted
    kept = stored_source(server)["actions"]["hook"]["webhook"]
    assert kept["auth"]["basic"]["password"] == "s3cret" and kept["headers"]["authorization"] == "Bearer token-1"


def test_query_watches_redacts_too(es):
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"hook": SECRET_HOOK})
    request = es.watcher.query_watches()["watches"][0]["watch"]["actions"]["hook"]["webhook"]
    assert request["auth"]["basic"]["password"] == REDACTED and request["headers"]["authorization"] == REDACTED


def test_http_input_and_chain_input_passwords_are_redacted(es):
    http = {"request": {"host": "in.example.com", "port": 80, "auth": {"basic": {"username": "u", "password": "p"}}}}
    es.watcher.put_watch(id="w", trigger=TRIGGER, input={"chain": {"inputs": [{"first": {"http": http}}]}})
    chained = es.watcher.get_watch(id="w")["watch"]["input"]["chain"]["inputs"][0]["first"]["http"]["request"]
    assert chained["auth"]["basic"] == {"username": "u", "password": REDACTED}


def test_authorization_header_is_shown_before_8_6():
    # The 9.x client always asks for compatible-with=9, which an 8.x server refuses: plain JSON here.
    with served(version="8.5.3") as server:
        body = {"trigger": TRIGGER, "actions": {"hook": SECRET_HOOK}}
        assert requests.put(server.url + "/_watcher/watch/w", json=body, timeout=10).status_code == 201
        request = requests.get(server.url + "/_watcher/watch/w", timeout=10).json()["watch"]["actions"]["hook"]["webhook"]
        assert request["headers"]["authorization"] == "Bearer token-1"
        assert request["auth"]["basic"]["password"] == REDACTED


# --- re-PUT of what GET showed ---------------------------------------------------------------------
def test_redacted_password_without_if_seq_no_is_refused(server, es):
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"hook": SECRET_HOOK})
    shown = es.watcher.get_watch(id="w")["watch"]
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w", body=shown)
    assert caught.value.body["error"]["type"] == "parse_exception"
    assert caught.value.body["error"]["root_cause"][0]["reason"] == "found redacted password in field [password]"
    assert stored_source(server)["actions"]["hook"]["webhook"]["auth"]["basic"]["password"] == "s3cret"
    assert es.watcher.get_watch(id="w")["_version"] == 1


def test_redacted_password_with_if_seq_no_keeps_the_stored_one(server, es):
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"hook": SECRET_HOOK})
    current = es.watcher.get_watch(id="w")
    answer = es.watcher.put_watch(id="w", body=current["watch"], if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"])
    assert answer.meta.status == 200 and answer["_version"] == 2 and answer["created"] is False
    assert stored_source(server)["actions"]["hook"]["webhook"]["auth"]["basic"]["password"] == "s3cret"


def test_redacted_authorization_header_is_stored_literally(server, es):
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"hook": SECRET_HOOK})
    shown = es.watcher.get_watch(id="w")["watch"]
    shown["actions"]["hook"]["webhook"]["auth"]["basic"]["password"] = "s3cret"
    es.watcher.put_watch(id="w", body=shown)
    assert stored_source(server)["actions"]["hook"]["webhook"]["headers"]["authorization"] == REDACTED


# --- compare and set -------------------------------------------------------------------------------
def test_stale_if_seq_no_is_a_409(es):
    es.watcher.put_watch(id="w", trigger=TRIGGER)
    first = es.watcher.get_watch(id="w")
    es.watcher.put_watch(id="w", trigger=TRIGGER)  # someone else writes
    with pytest.raises(ConflictError) as caught:
        es.watcher.put_watch(id="w", trigger=TRIGGER, if_seq_no=first["_seq_no"], if_primary_term=first["_primary_term"])
    error = caught.value.body["error"]
    assert error["type"] == "version_conflict_engine_exception"
    assert error["reason"] == ("[w]: version conflict, required seqNo [0], primary term [1]. "
                               "current document has seqNo [1] and primary term [1]")
    with pytest.raises(ConflictError):
        es.watcher.put_watch(id="w", trigger=TRIGGER, if_seq_no=1, if_primary_term=2)


def test_fresh_if_seq_no_succeeds(es, clock):
    es.watcher.put_watch(id="w", trigger=TRIGGER)
    current = es.watcher.get_watch(id="w")
    clock.now += timedelta(seconds=1)  # a new status timestamp: the update is not a no-op
    answer = es.watcher.put_watch(id="w", trigger=TRIGGER, if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"])
    assert (answer["_version"], answer["_seq_no"]) == (2, 1)


def test_if_seq_no_validation_messages(es):
    es.watcher.put_watch(id="w", trigger=TRIGGER)
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w", trigger=TRIGGER, if_seq_no=0)
    assert caught.value.body["error"]["reason"] == "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w", trigger=TRIGGER, if_primary_term=1)
    assert caught.value.body["error"]["reason"] == "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [1];"
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w", trigger=TRIGGER, if_seq_no=0, if_primary_term=1, version=1)
    assert caught.value.body["error"]["reason"] == "Validation Failed: 1: compare and write operations can not use versioning;"


# --- counters and status ---------------------------------------------------------------------------
def test_counters_move_on_every_write(es):
    counters = []

    def record():
        current = es.watcher.get_watch(id="w")
        counters.append((current["_version"], current["_seq_no"], current["_primary_term"]))

    es.watcher.put_watch(id="w", trigger=TRIGGER)
    record()
    es.watcher.put_watch(id="w", trigger=TRIGGER)  # identical body: still a write
    record()
    es.watcher.deactivate_watch(watch_id="w")
    record()
    es.watcher.activate_watch(watch_id="w")
    record()
    es.watcher.put_watch(id="other", trigger=TRIGGER)  # seq_no is per shard, not per watch
    record()
    es.watcher.get_watch(id="w")  # reads move nothing
    record()
    assert counters == [(1, 0, 1), (2, 1, 1), (3, 2, 1), (4, 3, 1), (4, 3, 1), (4, 3, 1)]
    assert es.watcher.get_watch(id="other")["_seq_no"] == 4


def test_every_put_rebuilds_the_status(server, es, clock):
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"a": {"logging": {"text": "x"}}})
    document = server.app.store.get("w")
    # what an execution and an ack would have left behind
    document.source["status"]["actions"]["a"]["ack"] = {"timestamp": "2025-01-01T00:00:00.000Z", "state": "acked"}
    document.source["status"]["last_checked"] = "2025-01-01T00:00:00.000Z"
    es.watcher.deactivate_watch(watch_id="w")
    clock.now += timedelta(minutes=1)
    es.watcher.put_watch(id="w", trigger=TRIGGER, actions={"a": {"logging": {"text": "x"}}})
    status = es.watcher.get_watch(id="w")["status"]
    stamp = "2025-01-02T03:05:05.000Z"
    assert status == {
        "state": {"active": True, "timestamp": stamp},  # re-activated: `active` defaults to true
        "actions": {"a": {"ack": {"timestamp": stamp, "state": "awaits_successful_execution"}}},
        "version": 3,
    }


def test_put_with_active_false_keeps_a_watch_inactive(es):
    es.watcher.put_watch(id="w", trigger=TRIGGER)
    es.watcher.deactivate_watch(watch_id="w")
    es.watcher.put_watch(id="w", trigger=TRIGGER, active=False)
    assert es.watcher.get_watch(id="w")["status"]["state"]["active"] is False
