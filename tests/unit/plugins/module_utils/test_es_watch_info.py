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
