# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""es_watch_info's listing: no sort on _id (refused from 8.0), sorted by id here, then offset and limit."""

from __future__ import annotations

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils import _es_watch_info
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch_info import TooManyWatches, query


class Answer:
    def __init__(self, body):
        self.body = body


class Watcher:
    """Query Watches of an 8.x/9.x cluster: unsorted pages, and a sort on _id refused."""

    def __init__(self, ids, count=None):
        self.ids = list(ids)
        self.count = len(self.ids) if count is None else count
        self.calls = []

    def query_watches(self, query=None, from_=0, size=10, sort=None):  # pylint: disable=redefined-outer-name
        self.calls.append((from_, size))
        if sort and any("_id" in item for item in sort):
            raise AssertionError("a sort on _id fails on 8.x and 9.x clusters")
        page = [{"_id": watch_id, "watch": {}, "status": {"state": {"active": True}}} for watch_id in self.ids[from_:from_ + size]]
        return Answer({"count": self.count, "watches": page})


class Client:
    def __init__(self, watcher):
        self.watcher = watcher


def listed(client, **options):
    return [item["watch_id"] for item in query(client, **options)]


def test_every_page_is_read_and_sorted_by_id_here(monkeypatch):
    monkeypatch.setattr(_es_watch_info, "PAGE_SIZE", 2)
    watcher = Watcher(["w3", "w1", "w4", "w0", "w2"])
    assert listed(Client(watcher)) == ["w0", "w1", "w2", "w3", "w4"]
    assert watcher.calls == [(0, 2), (2, 2), (4, 2)]


@pytest.mark.parametrize("offset, limit, expected", [(0, None, ["a", "b", "c", "d"]), (1, 2, ["b", "c"]), (3, 5, ["d"]), (4, None, []),
                                                     (0, 0, [])])
def test_offset_and_limit_apply_to_the_sorted_list(offset, limit, expected):
    assert listed(Client(Watcher(["d", "b", "a", "c"])), offset=offset, limit=limit) == expected


def test_more_watches_than_the_window_is_refused_with_advice(monkeypatch):
    monkeypatch.setattr(_es_watch_info, "RESULT_WINDOW", 4)
    with pytest.raises(TooManyWatches, match="5 watches match, more than the 4 .* narrow the search with ids or metadata"):
        query(Client(Watcher(["a", "b", "c", "d", "e"])))


# --- ilert_integration_keys: which source a watch posts to, the key written as the placeholder ---------------------
KEY = "il1eswatcher0production"
ODD_KEY = "key with/slash"


def ilert_watch(path, body="{{#toJson}}ctx{{/toJson}}"):
    return {"trigger": {"schedule": {"interval": "5m"}}, "metadata": {"note": "key " + KEY},
            "actions": {"ilert": {"webhook": {"scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post", "path": path, "body": body}}}}


def test_a_known_key_reads_as_the_placeholder_and_names_its_source():
    item = _es_watch_info.summary("w", ilert_watch("/api/v1/events/eswatcher/" + KEY), {}, {"100001": KEY, "100002": "il1other"})
    assert item["ilert_alert_sources"] == ["100001"] and item["other_ilert_keys"] == 0
    assert item["watch"]["actions"]["ilert"]["webhook"]["path"] == "/api/v1/events/eswatcher/<ilert_integration_key>"
    assert KEY not in str(item)  # the metadata copy is masked, not turned into a placeholder
    assert item["watch"]["metadata"]["note"] == "key ********"


def test_a_url_quoted_key_reads_as_the_quoted_placeholder():
    item = _es_watch_info.summary("w", ilert_watch("/api/v1/events/eswatcher/key%20with%2Fslash"), {}, {"7": ODD_KEY})
    assert item["ilert_alert_sources"] == ["7"]
    assert item["watch"]["actions"]["ilert"]["webhook"]["path"] == "/api/v1/events/eswatcher/%3Cilert_integration_key%3E"


def test_keys_of_no_given_source_are_counted_and_masked():
    body = '{"integrationKey": "il1gone", "eventType": "ALERT"}'
    watch = ilert_watch("/api/events", body=body)
    watch["actions"]["second"] = {"webhook": dict(watch["actions"]["ilert"]["webhook"], path="/api/v1/events/eswatcher/" + KEY, body="x")}
    item = _es_watch_info.summary("w", watch, {}, {"100001": KEY})
    assert item["ilert_alert_sources"] == ["100001"] and item["other_ilert_keys"] == 1
    assert item["watch"]["actions"]["ilert"]["webhook"]["body"] == '{"integrationKey": "********", "eventType": "ALERT"}'
    without = _es_watch_info.summary("w", watch, {})
    assert without["ilert_alert_sources"] == [] and without["other_ilert_keys"] == 2
